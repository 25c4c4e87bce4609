namespace TeamsBot.Storage;

/// <summary>
/// SQLite has one writer at a time, and Microsoft.Data.Sqlite runs synchronously: concurrent writers contending for the lock
/// each block a pool thread in SQLite's busy wait, starving every other continuation of the process (work then finishes in
/// bursts, all at once). Hot writers (the delivery ledger, RSVPs, first contacts) queue here instead, without a thread. On
/// PostgreSQL there is no gate (<see cref="EnterAsync"/> returns null): its writers wait asynchronously and in parallel.
/// </summary>
public sealed class SqliteWriteGate(IConfiguration configuration)
{
    private readonly bool _sqlite = !StorageExtensions.IsPostgres(configuration);
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async ValueTask<IDisposable?> EnterAsync(CancellationToken cancellationToken)
    {
        if (!_sqlite) return null;
        await _gate.WaitAsync(cancellationToken);
        return new Releaser(_gate);
    }

    private sealed class Releaser(SemaphoreSlim gate) : IDisposable
    {
        private int _released;
        public void Dispose() { if (Interlocked.Exchange(ref _released, 1) == 0) gate.Release(); }
    }
}
