using System.Text.Json.Nodes;

namespace Linnet.Testing.Kubernetes;

/// <summary>The API server's <c>Status</c> object (meta/v1), as every failure is answered.</summary>
public static class ApiStatus
{
    /// <summary>A Failure status with <paramref name="code"/>, <paramref name="reason"/> (<c>NotFound</c>,
    /// <c>AlreadyExists</c>, <c>Conflict</c>, <c>Expired</c> …) and a message.</summary>
    public static JsonObject Failure(int code, string reason, string message, FakeResourceType? type = null, string? name = null)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
            ["code"] = code,
        };
        if (type is not null)
        {
            status["details"] = new JsonObject { ["name"] = name, ["group"] = type.Group, ["kind"] = type.Plural };
        }

        return status;
    }
}
