using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TeamsBot.Protocol.Activities;

namespace TeamsBot.Testing;

/// <summary>
/// The real bot (<see cref="TeamsBotApplication"/>) on Kestrel at 127.0.0.1 with a random port and its own SQLite file.
/// Without <c>Bot:AppId</c> it runs in local development mode (no JWT; loopback serviceUrls only), like under the
/// Agents Playground.
/// </summary>
public sealed class BotApp : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _databasePath;
    private readonly bool _keepDatabase;

    private BotApp(WebApplication app, string baseUrl, string databasePath, bool keepDatabase)
    {
        _app = app;
        _databasePath = databasePath;
        _keepDatabase = keepDatabase;
        BaseUrl = baseUrl;
        Http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(60) };
    }

    public string BaseUrl { get; }
    public string MessagesUrl => BaseUrl + "/api/messages";
    public HttpClient Http { get; }
    public IServiceProvider Services => _app.Services;

    /// <param name="databasePath">The SQLite file (a new temporary one by default); pass one to restart a bot on the same data.</param>
    /// <param name="keepDatabase">Leave the file when disposed (the next bot of the test reopens it).</param>
    public static async Task<BotApp> StartAsync(IDictionary<string, string?>? settings = null, Action<WebApplicationBuilder>? customize = null,
        string environment = "Development", string? databasePath = null, bool keepDatabase = false)
    {
        databasePath ??= Path.Combine(Path.GetTempPath(), $"teamsbot-test-{Guid.NewGuid():N}.db");
        var args = new List<string> { "--urls=http://127.0.0.1:0", $"--environment={environment}", $"--ConnectionStrings:TeamsBot=Data Source={databasePath}" };
        // Settings are arguments, so slices that decide what to register from configuration (storage provider, sync) see them.
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            if (value is not null) args.Add($"--{key}={value}");
        var app = TeamsBotApplication.Build([.. args], builder =>
        {
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(TestLogs.Provider);
            customize?.Invoke(builder);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new BotApp(app, address.TrimEnd('/'), databasePath, keepDatabase);
    }

    /// <summary>POSTs an activity to /api/messages, with a bearer token when given.</summary>
    public async Task<HttpResponseMessage> SendAsync(Activity activity, string? bearerToken = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/messages") { Content = JsonContent.Create(activity, options: ProtocolJson.Options) };
        if (bearerToken is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearerToken);
        return await Http.SendAsync(request);
    }

    public async Task<HttpResponseMessage> SendRawAsync(string body, string? bearerToken = null, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/messages") { Content = new StringContent(body, System.Text.Encoding.UTF8, contentType) };
        if (bearerToken is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearerToken);
        return await Http.SendAsync(request);
    }

    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        try { await _app.StopAsync(); } catch (ObjectDisposedException) { }
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (_keepDatabase) return;
        foreach (var suffix in new[] { "", "-wal", "-shm" })
            try { File.Delete(_databasePath + suffix); } catch (IOException) { }
    }
}

/// <summary>Captured log lines of test bots, so tests can assert what is (and is not) logged.</summary>
public static class TestLogs
{
    private static readonly System.Collections.Concurrent.ConcurrentQueue<string> Lines = new();
    public static readonly ILoggerProvider Provider = new CapturingProvider();
    public static IReadOnlyCollection<string> All => Lines;

    private sealed class CapturingProvider : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new CapturingLogger(categoryName);
        public void Dispose() { }
    }

    private sealed class CapturingLogger(string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            Lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception?.Message}");
            while (Lines.Count > 20_000 && Lines.TryDequeue(out _)) { }
        }
    }
}

/// <summary>Teams-shaped activities for tests.</summary>
public static class TestActivities
{
    public const string TenantId = "11111111-2222-3333-4444-555555555555";
    public const string BotId = "28:bot-app-id";

    public static Activity Message(string serviceUrl, string text, string conversationType = ConversationTypes.Personal,
        string conversationId = "a:personal-chat-1", string userId = "29:user-1", string aadObjectId = "aad-user-1", string? id = null) => new()
    {
        Type = ActivityTypes.Message,
        Id = id ?? Guid.NewGuid().ToString("N"),
        Timestamp = DateTimeOffset.UtcNow,
        ServiceUrl = serviceUrl,
        ChannelId = "msteams",
        From = new ChannelAccount { Id = userId, Name = "Ada Employee", AadObjectId = aadObjectId },
        Recipient = new ChannelAccount { Id = BotId, Name = "TeamsBot" },
        Conversation = new ConversationAccount
        {
            Id = conversationId,
            ConversationType = conversationType,
            TenantId = TenantId,
            IsGroup = conversationType == ConversationTypes.Personal ? null : true,
        },
        Text = text,
        Locale = "en-US",
        ChannelData = new TeamsChannelData { Tenant = new TenantInfo { Id = TenantId } },
    };

    /// <summary>The activity as sent by the person with this Entra object id, in this tenant.</summary>
    public static Activity Person(Activity a, string objectId, string tenantId) => a with
    {
        From = new ChannelAccount { Id = "29:" + objectId, AadObjectId = objectId, Name = "Person " + objectId[^4..] },
        Conversation = a.Conversation! with { TenantId = tenantId },
        ChannelData = new TeamsChannelData { Tenant = new TenantInfo { Id = tenantId } },
    };

    public static Activity BotAdded(string serviceUrl, string conversationId = "a:personal-chat-1", string conversationType = ConversationTypes.Personal) =>
        Message(serviceUrl, "", conversationType, conversationId) with
        {
            Type = ActivityTypes.ConversationUpdate,
            Text = null,
            MembersAdded = [new ChannelAccount { Id = BotId }, new ChannelAccount { Id = "29:user-1", AadObjectId = "aad-user-1" }],
        };

    public static Activity Invoke(string serviceUrl, string name, object value, string conversationId = "a:personal-chat-1") =>
        Message(serviceUrl, "", ConversationTypes.Personal, conversationId) with
        {
            Type = ActivityTypes.Invoke,
            Text = null,
            Name = name,
            Value = System.Text.Json.JsonSerializer.SerializeToElement(value, ProtocolJson.Options),
        };
}
