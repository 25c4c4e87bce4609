using System.Net;
using System.Threading.RateLimiting;

namespace TeamsBot.Protocol.Connector;

/// <summary>
/// Paces sends per conversation within Teams' limits (7 per 1 s, 8 per 2 s, 60 per 30 s, 1800 per hour): a send waits
/// for its slot instead of drawing a 429. Idle conversations' limiters are dropped by the partitioned limiter.
/// </summary>
internal sealed class ConversationPacer : IDisposable
{
    private static readonly (int Permits, TimeSpan Window)[] Limits =
    [
        (7, TimeSpan.FromSeconds(1)), (8, TimeSpan.FromSeconds(2)), (60, TimeSpan.FromSeconds(30)), (1800, TimeSpan.FromHours(1)),
    ];

    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.CreateChained(
        Limits.Select(l => PartitionedRateLimiter.Create<string, string>(conversation =>
            RateLimitPartition.GetSlidingWindowLimiter(conversation, _ => new SlidingWindowRateLimiterOptions
            {
                PermitLimit = l.Permits,
                Window = l.Window,
                SegmentsPerWindow = 10,
                QueueLimit = 10_000,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                AutoReplenishment = true,
            }))).ToArray());

    public ValueTask<RateLimitLease> AcquireAsync(string conversation, CancellationToken cancellationToken) =>
        _limiter.AcquireAsync(conversation, 1, cancellationToken);

    public void Dispose() => _limiter.Dispose();
}

/// <summary>Holds each send to a conversation until <see cref="ConversationPacer"/> grants it a slot.</summary>
internal sealed class ConversationPacingHandler(ConversationPacer pacer) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Method != HttpMethod.Post || ConversationOf(request.RequestUri) is not { } conversation)
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);

        using var lease = await pacer.AcquireAsync(conversation, cancellationToken).ConfigureAwait(false);
        if (!lease.IsAcquired)
            return new HttpResponseMessage(HttpStatusCode.TooManyRequests) { RequestMessage = request };
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The conversation id of <c>/v3/conversations/{id}/activities[/...]</c>.</summary>
    internal static string? ConversationOf(Uri? uri)
    {
        if (uri is null) return null;
        var segments = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i + 2 < segments.Length; i++)
            if (segments[i] == "conversations" && segments[i + 2] == "activities")
                return uri.Host + "|" + Uri.UnescapeDataString(segments[i + 1]);
        return null;
    }
}
