using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using TeamsBot.Agencies;
using TeamsBot.Storage;

namespace TeamsBot.Broadcasts;

/// <summary>A recipient claimed for sending.</summary>
public sealed record ClaimedDelivery(long Id, string ObjectId, string TenantId, short Attempts, string? ServiceUrl, string? ConversationId);

/// <summary>How one send ended.</summary>
public sealed record DeliveryOutcome(DeliveryState State, string? Error = null, string? ServiceUrl = null, string? ConversationId = null, string? ActivityId = null)
{
    public static DeliveryOutcome Sent(string serviceUrl, string conversationId, string? activityId) => new(DeliveryState.Sent, null, serviceUrl, conversationId, activityId);
    /// <summary>Back to the queue (a transient failure with attempts left, or a claim released by a cancel).</summary>
    public static readonly DeliveryOutcome Requeue = new(DeliveryState.Queued);
}

/// <summary>Counts of one campaign's ledger, overall or for one agency.</summary>
public sealed record LedgerCounts(int Recipients, int Queued, int Sent, int Failed, int NotInstalled, int Blocked, int NotFound, int Read, int Acknowledged, int Recalled, int SentLastWindow)
{
    public static readonly LedgerCounts Empty = new(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
}

/// <summary>
/// The per-recipient delivery ledger (<c>broadcast_deliveries</c>): the queue and the report of a campaign. Built in bulk
/// (PostgreSQL <c>COPY</c>, SQLite prepared inserts in large transactions), claimed by lanes per (campaign, tenant) with
/// <c>FOR UPDATE SKIP LOCKED</c> on PostgreSQL (replicas never take the same row), settled row by row.
/// </summary>
public sealed class DeliveryLedger(IConfiguration configuration, IServiceProvider services, SqliteWriteGate writeGate, IOptions<BroadcastsOptions> options, TimeProvider time)
{
    private static readonly ValueConverter<DateTimeOffset, long> SqliteTime = new DateTimeOffsetToBinaryConverter();
    private readonly bool _postgres = StorageExtensions.IsPostgres(configuration);
    private readonly string _sqlite = StorageExtensions.ConnectionString(configuration);
    private const int BuildChunk = 20_000;

    /// <summary>How long a reservation or an in-flight mark lasts without its replica (<c>Broadcasts:ClaimLease</c>).</summary>
    private TimeSpan Lease => options.Value.ClaimLease;

    private async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (_postgres) return await services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync(cancellationToken);
        return await SqliteTuning.OpenAsync(_sqlite, cancellationToken);
    }

    private object Time(DateTimeOffset value) => _postgres ? value.ToUniversalTime() : SqliteTime.ConvertToProvider(value.ToUniversalTime())!;

    private DateTimeOffset? ReadTime(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : _postgres ? reader.GetFieldValue<DateTimeOffset>(ordinal) : (DateTimeOffset)SqliteTime.ConvertFromProvider(reader.GetInt64(ordinal))!;

    private static DbCommand Command(DbConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            p.Value = value ?? DBNull.Value;
            command.Parameters.Add(p);
        }
        return command;
    }

    /// <summary>
    /// Writes the audience as the campaign's ledger (replacing a partial one left by a replica that died while building it)
    /// and returns the number of recipients. Users the source no longer knows are recorded as not found; a user listed twice once.
    /// </summary>
    public async Task<int> BuildAsync(string campaignId, IAsyncEnumerable<DirectoryUser> audience, int maxRecipients, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using (var clear = Command(connection, "DELETE FROM broadcast_deliveries WHERE campaign_id = @c", ("@c", campaignId)))
            await clear.ExecuteNonQueryAsync(cancellationToken);
        var total = 0;
        await foreach (var chunk in Chunks(audience, BuildChunk, cancellationToken))
        {
            if (total + chunk.Count > maxRecipients) throw new AudienceTooLargeException(maxRecipients);
            total += _postgres
                ? await CopyChunkAsync((NpgsqlConnection)connection, campaignId, chunk, cancellationToken)
                : await InsertChunkAsync((SqliteConnection)connection, campaignId, chunk, cancellationToken);
        }
        return total;
    }

    private static async IAsyncEnumerable<List<DirectoryUser>> Chunks(IAsyncEnumerable<DirectoryUser> users, int size, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var chunk = new List<DirectoryUser>(size);
        await foreach (var user in users.WithCancellation(cancellationToken))
        {
            chunk.Add(user);
            if (chunk.Count < size) continue;
            yield return chunk;
            chunk = new List<DirectoryUser>(size);
        }
        if (chunk.Count > 0) yield return chunk;
    }

    private static DeliveryState InitialState(DirectoryUser user) => user.IsDeleted ? DeliveryState.NotFound : DeliveryState.Queued;

    private static string Truncate(string? value, int max) => value is null ? "" : value.Length <= max ? value : value[..max];

    private static async Task<int> CopyChunkAsync(NpgsqlConnection connection, string campaignId, List<DirectoryUser> chunk, CancellationToken cancellationToken)
    {
        await using (var create = new NpgsqlCommand(
            "CREATE TEMP TABLE IF NOT EXISTS ledger_stage (object_id text, tenant_id text, upn text, agency_id text, state smallint, error text) ON COMMIT PRESERVE ROWS; TRUNCATE ledger_stage;", connection))
            await create.ExecuteNonQueryAsync(cancellationToken);
        await using (var writer = await connection.BeginBinaryImportAsync(
            "COPY ledger_stage (object_id, tenant_id, upn, agency_id, state, error) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            foreach (var user in chunk)
            {
                await writer.StartRowAsync(cancellationToken);
                await writer.WriteAsync(Truncate(user.ObjectId, 64), NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(Truncate(user.TenantId, 64), NpgsqlDbType.Text, cancellationToken);
                if (user.UserPrincipalName is null) await writer.WriteNullAsync(cancellationToken);
                else await writer.WriteAsync(Truncate(user.UserPrincipalName, 256), NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(Truncate(user.AgencyId, 64), NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync((short)InitialState(user), NpgsqlDbType.Smallint, cancellationToken);
                if (user.IsDeleted) await writer.WriteAsync("not in the directory", NpgsqlDbType.Text, cancellationToken);
                else await writer.WriteNullAsync(cancellationToken);
            }
            await writer.CompleteAsync(cancellationToken);
        }
        await using var insert = new NpgsqlCommand("""
            INSERT INTO broadcast_deliveries (campaign_id, object_id, tenant_id, upn, agency_id, state, attempts, error)
            SELECT $1, object_id, tenant_id, upn, agency_id, state, 0, error FROM ledger_stage
            ON CONFLICT (campaign_id, object_id) DO NOTHING
            """, connection);
        insert.Parameters.Add(new NpgsqlParameter { Value = campaignId });
        return await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<int> InsertChunkAsync(SqliteConnection connection, string campaignId, List<DirectoryUser> chunk, CancellationToken cancellationToken)
    {
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT OR IGNORE INTO broadcast_deliveries (campaign_id, object_id, tenant_id, upn, agency_id, state, attempts, error)
            VALUES (@c, @o, @t, @u, @a, @s, 0, @e)
            """;
        var c = insert.Parameters.Add("@c", SqliteType.Text);
        var o = insert.Parameters.Add("@o", SqliteType.Text);
        var t = insert.Parameters.Add("@t", SqliteType.Text);
        var u = insert.Parameters.Add("@u", SqliteType.Text);
        var a = insert.Parameters.Add("@a", SqliteType.Text);
        var s = insert.Parameters.Add("@s", SqliteType.Integer);
        var e = insert.Parameters.Add("@e", SqliteType.Text);
        insert.Prepare();
        c.Value = campaignId;
        var inserted = 0;
        foreach (var user in chunk)
        {
            o.Value = Truncate(user.ObjectId, 64);
            t.Value = Truncate(user.TenantId, 64);
            u.Value = (object?)user.UserPrincipalName ?? DBNull.Value;
            a.Value = Truncate(user.AgencyId, 64);
            s.Value = (short)InitialState(user);
            e.Value = user.IsDeleted ? "not in the directory" : DBNull.Value;
            inserted += await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return inserted;
    }

    /// <summary>The tenants of a campaign's recipients still to send (one lane each).</summary>
    public async Task<IReadOnlyList<string>> PendingTenantsAsync(string campaignId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, "SELECT DISTINCT tenant_id FROM broadcast_deliveries WHERE campaign_id = @c AND state IN (0, 1)", ("@c", campaignId));
        var tenants = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) tenants.Add(reader.GetString(0));
        return tenants;
    }

    /// <summary>
    /// Reserves up to <paramref name="count"/> queued recipients of one tenant for <paramref name="owner"/> until the lease
    /// ends (they stay queued: a replica that dies holding them loses nothing, they are taken again after the lease); with
    /// <paramref name="stale"/>, instead takes the in-flight ones whose claimer's lease ran out (a replica died mid-send:
    /// their outcome is unknown).
    /// </summary>
    public async Task<IReadOnlyList<ClaimedDelivery>> ClaimAsync(string campaignId, string tenantId, string owner, int count, bool stale, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var lockClause = _postgres ? "FOR UPDATE SKIP LOCKED" : "";
        var which = stale ? "state = 1 AND claimed_until < @now" : "state = 0 AND (claimed_until IS NULL OR claimed_until < @now)";
        var sql = $"""
            UPDATE broadcast_deliveries SET claimed_by = @owner, claimed_until = @until, attempts = attempts + {(stale ? "0" : "1")}
            WHERE id IN (SELECT id FROM broadcast_deliveries WHERE campaign_id = @c AND tenant_id = @t AND {which} ORDER BY id LIMIT @n {lockClause})
            RETURNING id, object_id, tenant_id, attempts, service_url, conversation_id
            """;
        using var writer = await writeGate.EnterAsync(cancellationToken);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, sql, ("@owner", owner), ("@until", Time(now + Lease)), ("@c", campaignId),
            ("@t", tenantId), ("@now", Time(now)), ("@n", count));
        var claimed = new List<ClaimedDelivery>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            claimed.Add(new ClaimedDelivery(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt16(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5)));
        claimed.Sort((a, b) => a.Id.CompareTo(b.Id));
        return claimed;
    }

    /// <summary>
    /// Marks a reserved recipient in flight right before its request leaves: from here until it is settled its outcome would be
    /// unknown if this replica died. False when the reservation was lost (the lease ran out and another replica took it).
    /// </summary>
    public async Task<bool> MarkInFlightAsync(long id, string owner, CancellationToken cancellationToken) =>
        await WriteAsync("UPDATE broadcast_deliveries SET state = 1, claimed_until = @until WHERE id = @id AND state = 0 AND claimed_by = @owner",
            ("@until", Time(time.GetUtcNow() + Lease)), ("@id", id), ("@owner", owner)) == 1;

    /// <summary>Records how a claimed send ended; only the claimer's own claim is settled (a taken-over row is not).</summary>
    public async Task SettleAsync(long id, string owner, DeliveryOutcome outcome, CancellationToken cancellationToken)
    {
        long? number = long.TryParse(outcome.ActivityId, out var n) ? n : null;
        var sent = outcome.State == DeliveryState.Sent;
        // A send that settles as sent is a delivery milestone: the row's recipient comes back with the update.
        var facts = await WriteReturningAsync($"""
            UPDATE broadcast_deliveries SET state = @s, claimed_by = NULL, claimed_until = NULL, error = @e,
                service_url = COALESCE(@su, service_url), conversation_id = COALESCE(@cv, conversation_id),
                activity_id = CASE WHEN @s = 2 THEN @ai ELSE activity_id END, message_number = CASE WHEN @s = 2 THEN @mn ELSE message_number END,
                sent_at = CASE WHEN @s = 2 THEN @now ELSE sent_at END
            WHERE id = @id AND state IN (0, 1) AND claimed_by = @owner
            {(sent ? Returning : "")}
            """, sent ? DeliveryMilestone.Delivered : null, ("@s", (short)outcome.State), ("@e", outcome.Error is { Length: > 200 } long_ ? long_[..200] : outcome.Error), ("@su", outcome.ServiceUrl),
            ("@cv", outcome.ConversationId), ("@ai", outcome.ActivityId), ("@mn", number), ("@now", Time(time.GetUtcNow())), ("@id", id), ("@owner", owner));
        Notify(facts);
    }

    private const string Returning = "RETURNING campaign_id, object_id, tenant_id, agency_id";

    private IDeliveryObserver[]? _observers;

    private void Notify(IReadOnlyList<DeliveryFact> facts)
    {
        if (facts.Count == 0) return;
        _observers ??= [.. services.GetServices<IDeliveryObserver>()];
        foreach (var fact in facts)
            foreach (var observer in _observers) observer.Observe(fact);
    }

    /// <summary>A write whose <c>RETURNING</c> rows (campaign, recipient) become milestones; no milestone: a plain write.</summary>
    private async Task<IReadOnlyList<DeliveryFact>> WriteReturningAsync(string sql, DeliveryMilestone? milestone, params (string Name, object? Value)[] parameters)
    {
        if (milestone is not { } m)
        {
            await WriteAsync(sql, parameters);
            return [];
        }
        using var _ = await writeGate.EnterAsync(CancellationToken.None);
        await using var connection = await OpenAsync(CancellationToken.None);
        await using var command = Command(connection, sql, parameters);
        return await ReadFactsAsync(command, m, CancellationToken.None);
    }

    private static async Task<IReadOnlyList<DeliveryFact>> ReadFactsAsync(DbCommand command, DeliveryMilestone milestone, CancellationToken cancellationToken)
    {
        var facts = new List<DeliveryFact>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            facts.Add(new DeliveryFact(milestone, reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
        return facts;
    }

    /// <summary>
    /// One per-recipient write on its own pooled connection. (A single writer committing every lane's writes together was
    /// measured: half the send rate on SQLite, each write then waiting for the others' commit.)
    /// </summary>
    private async Task<int> WriteAsync(string sql, params (string Name, object? Value)[] parameters)
    {
        using var _ = await writeGate.EnterAsync(CancellationToken.None);
        await using var connection = await OpenAsync(CancellationToken.None);
        await using var command = Command(connection, sql, parameters);
        return await command.ExecuteNonQueryAsync();
    }

    /// <summary>Which of <paramref name="campaignIds"/> have <paramref name="objectId"/> among their recipients (who was invited to what).</summary>
    public async Task<IReadOnlySet<string>> CampaignsReachingAsync(string objectId, IReadOnlyList<string> campaignIds, CancellationToken cancellationToken)
    {
        var reached = new HashSet<string>(StringComparer.Ordinal);
        if (campaignIds.Count == 0) return reached;
        await using var connection = await OpenAsync(cancellationToken);
        var names = campaignIds.Select((_, i) => $"@c{i}").ToList();
        var parameters = campaignIds.Select((id, i) => ($"@c{i}", (object?)id)).Append(("@o", objectId)).ToArray();
        await using var command = Command(connection, $"SELECT DISTINCT campaign_id FROM broadcast_deliveries WHERE object_id = @o AND campaign_id IN ({string.Join(", ", names)})", parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) reached.Add(reader.GetString(0));
        return reached;
    }

    /// <summary>Puts the failed recipients (and unknown outcomes) back in the queue; returns how many.</summary>
    public async Task<int> RequeueFailedAsync(string campaignId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, "UPDATE broadcast_deliveries SET state = 0, attempts = 0, error = NULL WHERE campaign_id = @c AND state = 3", ("@c", campaignId));
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>True while a replica that is alive (its lease not run out) has a send of the campaign in flight.</summary>
    public async Task<bool> HasLiveInFlightAsync(string campaignId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, "SELECT 1 FROM broadcast_deliveries WHERE campaign_id = @c AND state = 1 AND claimed_until >= @now LIMIT 1",
            ("@c", campaignId), ("@now", Time(time.GetUtcNow())));
        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }

    /// <summary>True when nothing is queued or in flight.</summary>
    public async Task<bool> IsDrainedAsync(string campaignId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, "SELECT 1 FROM broadcast_deliveries WHERE campaign_id = @c AND state IN (0, 1) LIMIT 1", ("@c", campaignId));
        return await command.ExecuteScalarAsync(cancellationToken) is null;
    }

    /// <summary>Counts for the campaign, or per agency (<paramref name="byAgency"/>); the "last window" counts sends of the last 10 s.</summary>
    public async Task<Dictionary<string, LedgerCounts>> CountsAsync(string campaignId, bool byAgency, CancellationToken cancellationToken)
    {
        var since = time.GetUtcNow() - RateWindow;
        // PostgreSQL refuses a constant in GROUP BY: the overall counts group by state alone.
        var keyColumn = byAgency ? "agency_id" : "''";
        var group = byAgency ? "agency_id, state" : "state";
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, $"""
            SELECT {keyColumn}, state, COUNT(*), COUNT(read_at), COUNT(acknowledged_at), COUNT(recalled_at), SUM(CASE WHEN sent_at >= @since THEN 1 ELSE 0 END)
            FROM broadcast_deliveries WHERE campaign_id = @c GROUP BY {group}
            """, ("@c", campaignId), ("@since", Time(since)));
        var rows = new Dictionary<string, int[]>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var key = reader.GetString(0);
            if (!rows.TryGetValue(key, out var c)) rows[key] = c = new int[11];
            var state = (DeliveryState)Convert.ToInt16(reader.GetValue(1));
            var n = Convert.ToInt32(reader.GetValue(2));
            c[0] += n;
            c[state switch
            {
                DeliveryState.Queued or DeliveryState.InFlight => 1,
                DeliveryState.Sent => 2,
                DeliveryState.Failed => 3,
                DeliveryState.NotInstalled => 4,
                DeliveryState.Blocked => 5,
                _ => 6,
            }] += n;
            c[7] += Convert.ToInt32(reader.GetValue(3));
            c[8] += Convert.ToInt32(reader.GetValue(4));
            c[9] += Convert.ToInt32(reader.GetValue(5));
            c[10] += reader.IsDBNull(6) ? 0 : Convert.ToInt32(reader.GetValue(6));
        }
        return rows.ToDictionary(kv => kv.Key, kv => new LedgerCounts(kv.Value[0], kv.Value[1], kv.Value[2], kv.Value[3], kv.Value[4], kv.Value[5],
            kv.Value[6], kv.Value[7], kv.Value[8], kv.Value[9], kv.Value[10]), StringComparer.Ordinal);
    }

    public static readonly TimeSpan RateWindow = TimeSpan.FromSeconds(10);

    /// <summary>Every recipient of a campaign in ledger order, streamed (the CSV report).</summary>
    public async IAsyncEnumerable<Delivery> ReadAllAsync(string campaignId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, """
            SELECT object_id, tenant_id, upn, agency_id, state, sent_at, read_at, acknowledged_at, error, recalled_at
            FROM broadcast_deliveries WHERE campaign_id = @c ORDER BY id
            """, ("@c", campaignId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            yield return new Delivery
            {
                CampaignId = campaignId,
                ObjectId = reader.GetString(0),
                TenantId = reader.GetString(1),
                UserPrincipalName = reader.IsDBNull(2) ? null : reader.GetString(2),
                AgencyId = reader.GetString(3),
                State = (DeliveryState)Convert.ToInt16(reader.GetValue(4)),
                SentAt = ReadTime(reader, 5),
                ReadAt = ReadTime(reader, 6),
                AcknowledgedAt = ReadTime(reader, 7),
                Error = reader.IsDBNull(8) ? null : reader.GetString(8),
                RecalledAt = ReadTime(reader, 9),
            };
    }

    /// <summary>Sent, not yet recalled messages of a campaign, a page at a time (recall).</summary>
    public async Task<IReadOnlyList<(long Id, string TenantId, string ServiceUrl, string ConversationId, string ActivityId)>> SentPageAsync(string campaignId, long afterId, int count, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, """
            SELECT id, tenant_id, service_url, conversation_id, activity_id FROM broadcast_deliveries
            WHERE campaign_id = @c AND id > @after AND state = 2 AND recalled_at IS NULL AND activity_id IS NOT NULL ORDER BY id LIMIT @n
            """, ("@c", campaignId), ("@after", afterId), ("@n", count));
        var page = new List<(long, string, string, string, string)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            page.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4)));
        return page;
    }

    public async Task MarkRecalledAsync(long id, string? error, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = error is null
            ? Command(connection, "UPDATE broadcast_deliveries SET recalled_at = @now WHERE id = @id", ("@now", Time(time.GetUtcNow())), ("@id", id))
            : Command(connection, "UPDATE broadcast_deliveries SET error = @e WHERE id = @id", ("@e", error), ("@id", id));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>A read receipt: every message of the chat up to <paramref name="lastReadMessageId"/> is read. Returns rows newly marked.</summary>
    public async Task<int> MarkReadAsync(string conversationId, string lastReadMessageId, CancellationToken cancellationToken)
    {
        long? number = long.TryParse(lastReadMessageId, out var n) ? n : null;
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, $"""
            UPDATE broadcast_deliveries SET read_at = @now
            WHERE conversation_id = @cv AND state = 2 AND read_at IS NULL AND (activity_id = @last OR message_number <= @n)
            {Returning}
            """, ("@now", Time(time.GetUtcNow())), ("@cv", conversationId), ("@last", lastReadMessageId), ("@n", number));
        var facts = await ReadFactsAsync(command, DeliveryMilestone.Read, cancellationToken);
        Notify(facts);
        return facts.Count;
    }

    /// <summary>Records a person's acknowledgement once; false when they had already acknowledged (or are not a recipient).</summary>
    public async Task<(bool Recorded, DateTimeOffset? At)> AcknowledgeAsync(string campaignId, string objectId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var connection = await OpenAsync(cancellationToken);
        await using (var update = Command(connection, $"""
            UPDATE broadcast_deliveries SET acknowledged_at = @now, read_at = COALESCE(read_at, @now)
            WHERE campaign_id = @c AND object_id = @o AND acknowledged_at IS NULL
            {Returning}
            """, ("@now", Time(now)), ("@c", campaignId), ("@o", objectId)))
        {
            var facts = await ReadFactsAsync(update, DeliveryMilestone.Acknowledged, cancellationToken);
            Notify(facts);
            if (facts.Count == 1) return (true, now);
        }
        await using var select = Command(connection, "SELECT acknowledged_at FROM broadcast_deliveries WHERE campaign_id = @c AND object_id = @o", ("@c", campaignId), ("@o", objectId));
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (false, ReadTime(reader, 0)) : (false, null);
    }
}

/// <summary>The audience is larger than <c>Broadcasts:MaxRecipients</c>.</summary>
public sealed class AudienceTooLargeException(int max) : Exception($"The audience is larger than {max} people.");
