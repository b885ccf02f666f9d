using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Linnet.ControlPlane.Api;

/// <summary>Turns a failure inside an API handler (the store could not persist, for instance) into a JSON
/// error, so clients always get <c>{error}</c> bodies, and logs it.</summary>
internal sealed partial class ApiExceptionHandler(ILogger<ApiExceptionHandler> logger)
{
    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (Exception ex) when (!context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted
                                   && context.Request.Path.StartsWithSegments(ApiEndpoints.Prefix, StringComparison.Ordinal))
        {
            Log.Failed(logger, context.Request.Method, context.Request.Path.Value ?? "", ex);
            await ApiResponses.ErrorAsync(context, StatusCodes.Status500InternalServerError, $"{ex.GetType().Name}: {ex.Message}");
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "{Method} {Path} failed")]
        public static partial void Failed(ILogger logger, string method, string path, Exception exception);
    }
}
