using Azure.Core;
using Azure.Core.Pipeline;

namespace OrleansIngest.Storage.Tests.Azure;

/// <summary>One HTTP exchange seen by <see cref="RequestRecorder"/>.</summary>
public sealed record RecordedRequest(string Method, string Path, string Query, string? Range, string? IfMatch, int Status, long ResponseBytes);

/// <summary>Records every request a client sends, to check what went over the wire.</summary>
public sealed class RequestRecorder : HttpPipelineSynchronousPolicy
{
    private readonly List<RecordedRequest> _requests = [];

    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public void Clear()
    {
        lock (_requests)
        {
            _requests.Clear();
        }
    }

    public override void OnReceivedResponse(HttpMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var request = message.Request;
        request.Headers.TryGetValue("x-ms-range", out var range);
        request.Headers.TryGetValue("If-Match", out var ifMatch);
        var recorded = new RecordedRequest(
            request.Method.Method,
            request.Uri.Path,
            request.Uri.Query,
            range,
            ifMatch,
            message.Response.Status,
            message.Response.Headers.ContentLength ?? 0);
        lock (_requests)
        {
            _requests.Add(recorded);
        }
    }
}
