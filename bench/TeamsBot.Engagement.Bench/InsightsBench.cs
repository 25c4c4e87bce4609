using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;
using TeamsBot.Insights;
using TeamsBot.Testing;

/// <summary>
/// The weekly adoption report over N stored events (SQLite, then PostgreSQL when <c>TEAMSBOT_TEST_POSTGRES</c> is set): 12
/// weeks of events of 500,000 people in 25 agencies, loaded in bulk; then the report of the last week (with its 8-week trend)
/// and the 12-week CSV, timed, with the memory they take (allocations, and the peak resident set measured from just before).
/// </summary>
internal static class InsightsBench
{
    private const int People = 500_000, Agencies = 25, Weeks = 12, LastWeek = 2975; // the week of Monday 2027-01-04
    private static readonly int[] Minutes = [0, 15, 30, 60, 90, 120, 180];

    public static async Task RunAsync(long events)
    {
        foreach (var (store, postgres) in new[] { ("SQLite", (TestPostgres?)null), ("PostgreSQL", TestPostgres.TryCreate("teamsbot_insights_bench")) })
        {
            if (store == "PostgreSQL" && postgres is null) { Console.WriteLine("(set TEAMSBOT_TEST_POSTGRES for the PostgreSQL run)"); continue; }
            var label = postgres is null ? "SQLite" : "PostgreSQL";
            var file = Path.Combine(Path.GetTempPath(), $"teamsbot-insights-bench-{Guid.NewGuid():N}.db");
            var settings = new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Warning", ["Nudges:Enabled"] = "false" };
            if (postgres is not null) foreach (var (k, v) in postgres.Settings) settings[k] = v;
            // Wednesday of the last generated week: the report is of the week before, the last full one.
            var now = new DateTimeOffset(InsightCalendar.Monday(LastWeek).AddDays(2).ToDateTime(new TimeOnly(12, 0)), TimeSpan.Zero);
            var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(now);
            await using (var bot = await BotApp.StartAsync(settings, b => b.Services.AddSingleton<TimeProvider>(clock), databasePath: file))
            {
                var load = Stopwatch.StartNew();
                if (postgres is null) await LoadSqliteAsync(file, events);
                else await LoadPostgresAsync(postgres.ConnectionString, events);
                Console.WriteLine($"{label}: loaded {events:N0} events in {load.Elapsed.TotalSeconds:F0} s");
                var insights = bot.Services.GetRequiredService<InsightsService>();
                var monday = InsightCalendar.Monday(LastWeek - 1);
                var (live, liveSeconds, liveAllocated, livePeak) = await BenchMeasure.RunAsync(() => insights.ReportAsync(monday, null, "All agencies", default));
                Console.WriteLine($"{label} weekly report before any week is sealed (every week counted from events): {liveSeconds:F2} s, allocated {liveAllocated / 1048576.0:F1} MB, peak RSS +{livePeak / 1048576.0:F0} MB");
                var (weeks, sealSeconds, _, sealPeak) = await BenchMeasure.RunAsync(() => insights.SealAsync(default));
                Console.WriteLine($"{label} sealing {weeks} weeks (the recurring job, once): {sealSeconds:F2} s, peak RSS +{sealPeak / 1048576.0:F0} MB");
                for (var run = 0; run < 3; run++)
                {
                    var (report, seconds, allocated, peak) = await BenchMeasure.RunAsync(() => insights.ReportAsync(monday, null, "All agencies", default));
                    Console.WriteLine($"{label} weekly report #{run + 1}: {seconds:F2} s, allocated {allocated / 1048576.0:F1} MB, peak RSS +{peak / 1048576.0:F0} MB; " +
                                      $"{report.Totals.ActiveUsers:N0} active of {report.Totals.Enrolled:N0}, {report.Agencies.Count} agencies shown, {report.HiddenGroups} hidden, median {report.Totals.MedianMinutes} min");
                }
                if (System.Text.Json.JsonSerializer.Serialize(live) is var a && System.Text.Json.JsonSerializer.Serialize((await insights.ReportAsync(monday, null, "All agencies", default)) with { GeneratedAt = live.GeneratedAt }) != a)
                    throw new InvalidOperationException("The report from sealed weeks differs from the one counted from events.");
                var (csv, csvSeconds, csvAllocated, csvPeak) = await BenchMeasure.RunAsync(() => insights.CsvAsync(monday.AddDays(-7 * (Weeks - 2)), monday, null, default));
                Console.WriteLine($"{label} 11-week CSV: {csvSeconds:F2} s, allocated {csvAllocated / 1048576.0:F1} MB, peak RSS +{csvPeak / 1048576.0:F0} MB, {csv.Split('\n').Length - 2} rows (11 weeks)");
                using var process = Process.GetCurrentProcess();
                Console.WriteLine($"{label}: process peak RSS {process.PeakWorkingSet64 / 1048576.0:F0} MB (loading included)");
            }
            if (File.Exists(file)) File.Delete(file);
            if (postgres is not null) await postgres.DisposeAsync();
        }
    }

    /// <summary>Events of a fixed-seed population: installs first, then each week's questions, ratings, nudges, broadcasts, survey answers and events.</summary>
    private static IEnumerable<(short Kind, int Day, string Agency, string User, int? Value)> Generate(long count)
    {
        var random = new Random(42);
        var firstDay = (LastWeek - Weeks + 1) * 7 - 3;
        var agencies = Enumerable.Range(0, Agencies).Select(a => $"agency-{a:D2}").ToArray();
        var users = new string[People];
        for (var p = 0; p < People; p++) users[p] = p.ToString("x32");
        long produced = 0;
        for (var p = 0; p < People && produced < count; p++, produced++)
            yield return ((short)InsightKind.Installed, firstDay - 30 + random.Next(0, 30 + 7 * Weeks), agencies[Agency(p)], users[p], null);
        // Weights: questions 55 %, ratings 8 %, nudges 12 %, broadcasts 15 %, survey 6 % (4 rows per answer), events and the rest 4 %.
        while (produced < count)
        {
            var p = random.Next(People);
            var agency = agencies[Agency(p)];
            var day = firstDay + random.Next(7 * Weeks);
            var roll = random.Next(100);
            if (roll < 55) { yield return ((short)InsightKind.Question, day, agency, users[p], null); produced++; }
            else if (roll < 63) { yield return ((short)InsightKind.Rated, day, agency, users[p], random.Next(7) == 0 ? -1 : 1); produced++; }
            else if (roll < 75) { yield return ((short)(random.Next(3) switch { 0 => InsightKind.NudgeDelivered, 1 => InsightKind.NudgeRead, _ => InsightKind.NudgeClicked }), day, agency, users[p], null); produced++; }
            else if (roll < 90) { yield return ((short)(random.Next(2) == 0 ? InsightKind.BroadcastDelivered : InsightKind.BroadcastRead), day, agency, users[p], null); produced++; }
            else if (roll < 96)
            {
                var monday = (day + 3) / 7 * 7 - 3;
                yield return ((short)InsightKind.SurveyMinutes, monday, agency, users[p], Minutes[random.Next(Minutes.Length)]);
                yield return ((short)InsightKind.SurveyQuality, monday, agency, users[p], random.Next(1, 6));
                yield return ((short)InsightKind.SurveyEffort, monday, agency, users[p], random.Next(1, 6));
                yield return ((short)InsightKind.SurveySpeed, monday, agency, users[p], random.Next(1, 6));
                produced += 4;
            }
            else { yield return ((short)(random.Next(3) switch { 0 => InsightKind.EventRegistered, 1 => InsightKind.EventAttended, _ => InsightKind.LessonCompleted }), day, agency, users[p], null); produced++; }
        }
    }

    // A skewed agency size: a few large agencies, a long tail, and the last one tiny (hidden by the group-size rule).
    private static int Agency(int person) => person % 100_000 == 99_999 ? Agencies - 1 : (int)(Math.Pow(person % 997 / 997.0, 2) * (Agencies - 1));

    private static async Task LoadSqliteAsync(string file, long count)
    {
        await using var connection = new SqliteConnection($"Data Source={file};Pooling=False");
        await connection.OpenAsync();
        foreach (var pragma in new[] { "PRAGMA journal_mode=WAL", "PRAGMA synchronous=OFF", "DROP INDEX IF EXISTS ix_insight_events_report" })
        {
            await using var c = connection.CreateCommand();
            c.CommandText = pragma;
            await c.ExecuteNonQueryAsync();
        }
        var transaction = connection.BeginTransaction();
        var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO insight_events (kind, day, agency_id, user_key, value) VALUES ($k, $d, $a, $u, $v)";
        var (k, d, a, u, v) = (insert.Parameters.Add("$k", SqliteType.Integer), insert.Parameters.Add("$d", SqliteType.Integer), insert.Parameters.Add("$a", SqliteType.Text),
            insert.Parameters.Add("$u", SqliteType.Text), insert.Parameters.Add("$v", SqliteType.Integer));
        insert.Transaction = transaction;
        insert.Prepare();
        long n = 0;
        foreach (var e in Generate(count))
        {
            k.Value = e.Kind; d.Value = e.Day; a.Value = e.Agency; u.Value = e.User; v.Value = (object?)e.Value ?? DBNull.Value;
            insert.ExecuteNonQuery();
            if (++n % 500_000 == 0)
            {
                transaction.Commit();
                transaction = connection.BeginTransaction();
                insert.Transaction = transaction;
            }
        }
        transaction.Commit();
        await using var index = connection.CreateCommand();
        index.CommandText = "CREATE INDEX ix_insight_events_report ON insight_events (day, kind, agency_id, user_key, value); ANALYZE;";
        index.CommandTimeout = 0;
        await index.ExecuteNonQueryAsync();
    }

    private static async Task LoadPostgresAsync(string connectionString, long count)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var drop = new NpgsqlCommand("DROP INDEX IF EXISTS ix_insight_events_report", connection)) await drop.ExecuteNonQueryAsync();
        await using (var copy = await connection.BeginBinaryImportAsync("COPY insight_events (kind, day, agency_id, user_key, value) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var e in Generate(count))
            {
                await copy.StartRowAsync();
                await copy.WriteAsync(e.Kind, NpgsqlDbType.Smallint);
                await copy.WriteAsync(e.Day, NpgsqlDbType.Integer);
                await copy.WriteAsync(e.Agency, NpgsqlDbType.Varchar);
                await copy.WriteAsync(e.User, NpgsqlDbType.Varchar);
                if (e.Value is { } value) await copy.WriteAsync(value, NpgsqlDbType.Integer);
                else await copy.WriteNullAsync();
            }
            await copy.CompleteAsync();
        }
        await using var index = new NpgsqlCommand("CREATE INDEX ix_insight_events_report ON insight_events (day, kind, agency_id, user_key, value); ANALYZE insight_events;", connection) { CommandTimeout = 0 };
        await index.ExecuteNonQueryAsync();
    }
}
