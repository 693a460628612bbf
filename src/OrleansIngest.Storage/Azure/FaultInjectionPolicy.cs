using System.Diagnostics.CodeAnalysis;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace OrleansIngest.Storage.Azure;

/// <summary>What a <see cref="FaultRule"/> does to a request it matches.</summary>
public enum FaultKind
{
    /// <summary>
    /// The request reaches the service (so a write really happens), then the answer is thrown away and the call
    /// fails as if the connection dropped before the response arrived; the SDK retries it.
    /// </summary>
    LostResponse,

    /// <summary>The request is not sent; the call gets a synthetic <c>503 Server Busy</c>, which the SDK retries.</summary>
    ServiceUnavailable,

    /// <summary>The request is sent after <see cref="FaultRule.Latency"/>.</summary>
    Latency,
}

/// <summary>
/// A fault to inject into the requests that <paramref name="Matches"/> selects, the first <paramref name="Times"/>
/// times one matches (each try of a retried request counts).
/// </summary>
/// <param name="Matches">Selects the requests the fault applies to; called once per try, on the request about to be sent.</param>
/// <param name="Kind">What to do to a matched request.</param>
/// <param name="Times">How many matched tries get the fault; at least 1.</param>
/// <param name="Latency">The delay of a <see cref="FaultKind.Latency"/> fault (required for it, ignored otherwise).</param>
public sealed record FaultRule(Func<HttpMessage, bool> Matches, FaultKind Kind, int Times = 1, TimeSpan? Latency = null)
{
    private const string LogFolder = "/_ingest/log/";

    /// <summary>A put of a commit-log entry: a PUT of a whole blob below <c>/_ingest/log/</c>.</summary>
    public static bool IsLogAppend(HttpMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.Request.Method == RequestMethod.Put
            && message.Request.Uri.Path.Contains(LogFolder, StringComparison.Ordinal)
            && Component(message) is null;
    }

    /// <summary>A staged block: a PUT with <c>comp=block</c>.</summary>
    public static bool IsBlockUpload(HttpMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.Request.Method == RequestMethod.Put && Component(message) == "block";
    }

    /// <summary>A block-list commit (a staged file being published): a PUT with <c>comp=blocklist</c>.</summary>
    public static bool IsBlockListCommit(HttpMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.Request.Method == RequestMethod.Put && Component(message) == "blocklist";
    }

    /// <summary>A ranged read: a GET with a <c>Range</c> or <c>x-ms-range</c> header.</summary>
    public static bool IsRangeRead(HttpMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var headers = message.Request.Headers;
        return message.Request.Method == RequestMethod.Get
            && (headers.Contains("Range") || headers.Contains("x-ms-range"));
    }

    // The comp= query parameter names the operation of a PUT or GET on a blob; null when there is none.
    private static string? Component(HttpMessage message)
    {
        var query = message.Request.Uri.Query.TrimStart('?');
        foreach (var part in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part.StartsWith("comp=", StringComparison.OrdinalIgnoreCase))
            {
                return part["comp=".Length..].ToLowerInvariant();
            }
        }

        return null;
    }
}

/// <summary>
/// An Azure SDK pipeline policy that injects faults — lost responses, 503s, latency — into the requests that its
/// rules match, for tests and chaos runs. Rules can be added and cleared while clients use the policy; each
/// fault taken is counted. Attach it with <see cref="AttachTo"/> (per retry, so that the SDK's retry policy sees
/// the fault and re-sends the request through it).
/// </summary>
public sealed class FaultInjectionPolicy : HttpPipelinePolicy
{
    private readonly Lock _lock = new();
    private readonly List<RuleState> _rules = [];
    private readonly long[] _injectedByKind = new long[Enum.GetValues<FaultKind>().Length];

    /// <summary>Faults injected since creation or the last <see cref="Clear"/>, of every kind.</summary>
    public long InjectedFaults
    {
        get
        {
            lock (_lock)
            {
                return _injectedByKind.Sum();
            }
        }
    }

    /// <summary>Adds <paramref name="rule"/>; a request gets the fault of the first rule (in order added) that matches and has tries left.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="FaultRule.Times"/> is below 1, or a latency rule has no non-negative <see cref="FaultRule.Latency"/>.</exception>
    public void AddRule(FaultRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(rule.Matches, nameof(rule));
        ArgumentOutOfRangeException.ThrowIfLessThan(rule.Times, 1, nameof(rule));
        if (!Enum.IsDefined(rule.Kind))
        {
            throw new ArgumentOutOfRangeException(nameof(rule), rule.Kind, "Unknown fault kind.");
        }

        if (rule.Latency < TimeSpan.Zero || (rule.Kind == FaultKind.Latency && rule.Latency is null))
        {
            throw new ArgumentOutOfRangeException(nameof(rule), rule.Latency, "A latency fault needs a non-negative Latency.");
        }

        lock (_lock)
        {
            _rules.Add(new RuleState(rule));
        }
    }

    /// <summary>Removes every rule and sets the counters back to zero.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _rules.Clear();
            Array.Clear(_injectedByKind);
        }
    }

    /// <summary>Faults of <paramref name="kind"/> injected since creation or the last <see cref="Clear"/>.</summary>
    public long InjectedCount(FaultKind kind)
    {
        lock (_lock)
        {
            return _injectedByKind[(int)kind];
        }
    }

    /// <summary>How many times <paramref name="rule"/> (this instance, as added) has fired; 0 for a rule not added.</summary>
    public int FiredCount(FaultRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        lock (_lock)
        {
            return _rules.Where(r => ReferenceEquals(r.Rule, rule)).Sum(r => r.Fired);
        }
    }

    /// <summary>
    /// Adds this policy to <paramref name="options"/> at <see cref="HttpPipelinePosition.PerRetry"/>: below the
    /// retry policy, so a fault is seen by it and the retried request passes through the rules again.
    /// </summary>
    public void AttachTo(ClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AddPolicy(this, HttpPipelinePosition.PerRetry);
    }

    /// <inheritdoc />
    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        ArgumentNullException.ThrowIfNull(message);
        var rule = Take(message);
        switch (rule?.Kind)
        {
            case FaultKind.ServiceUnavailable:
                message.Response = new SyntheticResponse(message, 503, "Server Busy", "ServerBusy");
                return;
            case FaultKind.Latency:
                await Task.Delay(rule.Latency!.Value, message.CancellationToken);
                break;
        }

        await ProcessNextAsync(message, pipeline);
        if (rule?.Kind == FaultKind.LostResponse)
        {
            throw LoseResponse(message);
        }
    }

    /// <inheritdoc />
    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        ArgumentNullException.ThrowIfNull(message);
        var rule = Take(message);
        switch (rule?.Kind)
        {
            case FaultKind.ServiceUnavailable:
                message.Response = new SyntheticResponse(message, 503, "Server Busy", "ServerBusy");
                return;
            case FaultKind.Latency:
                message.CancellationToken.WaitHandle.WaitOne(rule.Latency!.Value);
                message.CancellationToken.ThrowIfCancellationRequested();
                break;
        }

        ProcessNext(message, pipeline);
        if (rule?.Kind == FaultKind.LostResponse)
        {
            throw LoseResponse(message);
        }
    }

    private FaultRule? Take(HttpMessage message)
    {
        lock (_lock)
        {
            foreach (var state in _rules)
            {
                // The predicate runs under the lock so that a rule with Times = n fires exactly n times under
                // concurrent requests; predicates are expected to be cheap checks of the request.
                if (state.Fired < state.Rule.Times && state.Rule.Matches(message))
                {
                    state.Fired++;
                    _injectedByKind[(int)state.Rule.Kind]++;
                    return state.Rule;
                }
            }
        }

        return null;
    }

    private static RequestFailedException LoseResponse(HttpMessage message)
    {
        // Free the connection the real answer arrived on, as a dropped connection would.
        message.Response.Dispose();
        var request = message.Request;
        var what = $"{request.Method} {AzureBlobClientFactory.Redact(request.Uri.ToUri())}";

        // Status 0 with an IOException inside is what the SDK's transport throws for a broken connection, and
        // what its response classifier retries.
        return new RequestFailedException(
            0,
            $"Injected fault: the response to {what} was lost after the service handled the request.",
            new IOException("Injected fault: the connection was closed before the response arrived."));
    }

    private sealed class RuleState(FaultRule rule)
    {
        public FaultRule Rule { get; } = rule;

        public int Fired { get; set; }
    }

    /// <summary>A response made up without asking the service, with no body.</summary>
    private sealed class SyntheticResponse : Response
    {
        private readonly Dictionary<string, string> _headers = new(StringComparer.OrdinalIgnoreCase);

        public SyntheticResponse(HttpMessage message, int status, string reasonPhrase, string errorCode)
        {
            Status = status;
            ReasonPhrase = reasonPhrase;
            ClientRequestId = message.Request.ClientRequestId;
            _headers["x-ms-error-code"] = errorCode;
            _headers["Content-Length"] = "0";
            if (message.Request.Headers.TryGetValue("x-ms-client-request-id", out var requestId))
            {
                // The storage client checks that the service echoes its request id.
                _headers["x-ms-client-request-id"] = requestId;
            }

        }

        public override int Status { get; }

        public override string ReasonPhrase { get; }

        public override Stream? ContentStream { get; set; }

        public override string ClientRequestId { get; set; }

        // The transport, which this response never passes, is what normally classifies a response.
        public override bool IsError => Status >= 400;

        public override void Dispose()
        {
            ContentStream?.Dispose();
            ContentStream = null;
        }

        protected override bool ContainsHeader(string name) => _headers.ContainsKey(name);

        protected override IEnumerable<HttpHeader> EnumerateHeaders() => _headers.Select(h => new HttpHeader(h.Key, h.Value));

        protected override bool TryGetHeader(string name, [NotNullWhen(true)] out string? value) => _headers.TryGetValue(name, out value);

        protected override bool TryGetHeaderValues(string name, [NotNullWhen(true)] out IEnumerable<string>? values)
        {
            if (_headers.TryGetValue(name, out var value))
            {
                values = [value];
                return true;
            }

            values = null;
            return false;
        }
    }
}
