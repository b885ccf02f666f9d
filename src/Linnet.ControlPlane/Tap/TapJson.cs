using System.Text.Json.Nodes;
using Linnet.Api.Tap.V1;

namespace Linnet.ControlPlane.Tap;

/// <summary>The JSON form of a tap event, as the API streams it and <c>linnet tap -o json</c> prints it.</summary>
internal static class TapJson
{
    public static JsonObject Event(string proxy, TapEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var json = new JsonObject
        {
            ["type"] = "event",
            ["tap"] = e.TapId,
            ["proxy"] = proxy,
            ["id"] = e.RequestId,
            ["timestampMs"] = e.TimestampMs,
            ["direction"] = e.Direction,
            ["source"] = e.Source,
            ["destination"] = e.Destination,
            ["sourceMeta"] = Map(e.SourceMeta),
            ["destinationMeta"] = Map(e.DestinationMeta),
            ["routeMeta"] = Map(e.RouteMeta),
            ["tls"] = e.Tls,
            ["clientId"] = e.ClientId,
            ["serverId"] = e.ServerId,
            ["method"] = e.Method,
            ["scheme"] = e.Scheme,
            ["authority"] = e.Authority,
            ["path"] = e.Path,
            ["requestHeaders"] = Headers(e.RequestHeaders),
            ["status"] = e.Status,
            ["responseHeaders"] = Headers(e.ResponseHeaders),
            ["responseInitMicros"] = e.ResponseInitMicros,
            ["responseEndMicros"] = e.ResponseEndMicros,
            ["responseBytes"] = e.ResponseBytes,
            ["endOfStream"] = e.EndOfStream,
            ["trailers"] = Headers(e.Trailers),
        };
        if (e.HasGrpcStatus)
        {
            json["grpcStatus"] = e.GrpcStatus;
        }

        return json;
    }

    private static JsonObject Map(IEnumerable<KeyValuePair<string, string>> map)
    {
        var json = new JsonObject();
        foreach (var (name, value) in map.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            json[name] = value;
        }

        return json;
    }

    private static JsonArray Headers(IEnumerable<Header> headers)
    {
        var list = new JsonArray();
        foreach (var h in headers)
        {
            var item = new JsonObject { ["name"] = h.Name, ["value"] = h.Value };
            if (h.Redacted)
            {
                item["redacted"] = true;
            }

            list.Add(item);
        }

        return list;
    }
}
