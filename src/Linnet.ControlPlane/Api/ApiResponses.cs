using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Linnet.ControlPlane.Api;

/// <summary>Writes JSON bodies from <see cref="JsonNode"/>s: no reflection-based serialization, so the
/// shapes are exactly what the code builds.</summary>
internal static class ApiResponses
{
    public const string JsonContentType = "application/json; charset=utf-8";

    public static Task JsonAsync(HttpContext context, int status, JsonNode body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = JsonContentType;
        return context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }

    public static Task ErrorAsync(HttpContext context, int status, string error) =>
        JsonAsync(context, status, new JsonObject { ["error"] = error });
}
