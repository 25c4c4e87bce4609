using Polly.CircuitBreaker;

namespace TeamsBot.Answers;

/// <summary>
/// The model's circuit as replicas share it. Each replica's own breaker (in the model HttpClient) opens after failures;
/// it reports that here so the other replicas answer offline at once instead of each rediscovering the outage.
/// In memory (one replica) there is nothing to share: the local breaker is the whole state.
/// </summary>
public interface IModelCircuit
{
    /// <summary>True while some replica has the model's circuit open.</summary>
    ValueTask<bool> IsOpenAsync(CancellationToken cancellationToken);

    /// <summary>This replica's breaker opened for <paramref name="duration"/>.</summary>
    ValueTask OpenAsync(TimeSpan duration, CancellationToken cancellationToken);
}

internal sealed class LocalModelCircuit : IModelCircuit
{
    public ValueTask<bool> IsOpenAsync(CancellationToken cancellationToken) => ValueTask.FromResult(false);
    public ValueTask OpenAsync(TimeSpan duration, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}

/// <summary>Outermost handler of the model HttpClient: while the shared circuit is open, no request leaves (no retries either).</summary>
internal sealed class SharedModelCircuitHandler(IModelCircuit circuit) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (await circuit.IsOpenAsync(cancellationToken).ConfigureAwait(false))
            throw new BrokenCircuitException("The model's circuit is open (reported by a replica).");
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
