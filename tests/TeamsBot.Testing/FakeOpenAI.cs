using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace TeamsBot.Testing;

/// <summary>What the fake model does for one request.</summary>
public sealed record ModelScript
{
    public int Status { get; init; } = 200;
    public int? RetryAfterSeconds { get; init; }
    /// <summary>Tokens streamed as chat.completion.chunk events, each after its delay.</summary>
    public IReadOnlyList<(TimeSpan Delay, string Token)> Tokens { get; init; } = [];
    /// <summary>Abort the connection after this many tokens (no finish chunk, no [DONE]).</summary>
    public int? DisconnectAfter { get; init; }
    /// <summary>Wait this long before sending the response headers (a model that hangs).</summary>
    public TimeSpan HeaderDelay { get; init; }

    public static ModelScript Answer(string text, TimeSpan? every = null, int? disconnectAfter = null) => new()
    {
        Tokens = Tokenize(text).Select(t => (every ?? TimeSpan.Zero, t)).ToList(),
        DisconnectAfter = disconnectAfter,
    };

    public static ModelScript Error(int status, int? retryAfterSeconds = null) => new() { Status = status, RetryAfterSeconds = retryAfterSeconds };

    /// <summary>Splits text into word-ish tokens that keep their leading space, like a tokenizer's stream.</summary>
    public static IEnumerable<string> Tokenize(string text)
    {
        var start = 0;
        for (var i = 1; i <= text.Length; i++)
        {
            if (i == text.Length || text[i] == ' ')
            {
                yield return text[start..i];
                start = i;
            }
        }
    }
}

public sealed record ModelRequest(string Method, string Path, string? Authorization, string? ApiKeyHeader, JsonElement Body, DateTimeOffset At)
{
    public IReadOnlyList<(string Role, string Content)> Messages => Body.GetProperty("messages").EnumerateArray()
        .Select(m => (m.GetProperty("role").GetString()!, ContentOf(m.GetProperty("content")))).ToList();

    public string AllText => string.Join("\n", Messages.Select(m => m.Content));

    private static string ContentOf(JsonElement content) => content.ValueKind == JsonValueKind.String
        ? content.GetString()!
        : string.Concat(content.EnumerateArray().Select(p => p.TryGetProperty("text", out var t) ? t.GetString() : ""));
}

/// <summary>
/// An OpenAI-compatible <c>chat/completions</c> server on 127.0.0.1: streams real SSE chunks
/// (<c>data: {...}\n\n</c> … <c>data: [DONE]</c>) on a programmable token schedule; can answer 429 + Retry-After, 5xx,
/// or drop the connection mid-stream. Requests are recorded so tests can prove what (never) reached the model.
/// </summary>
public sealed class FakeOpenAI : IAsyncDisposable
{
    private readonly ConcurrentQueue<ModelScript> _scripts = new();
    private readonly ConcurrentQueue<ModelRequest> _requests = new();
    private readonly ConcurrentQueue<DateTimeOffset> _lastTokens = new();
    private LocalServer? _server;

    /// <summary>Used when no script is queued.</summary>
    public ModelScript Default { get; set; } = ModelScript.Answer("The enterprise assistant is ready [1].");

    /// <summary>The root URL (Azure style endpoint) and the /v1 base (OpenAI style).</summary>
    public string RootUrl => _server!.BaseUrl + "/";
    public string BaseUrl => _server!.BaseUrl + "/v1";

    public IReadOnlyList<ModelRequest> Requests => [.. _requests];

    /// <summary>When the last token of each completed or aborted stream was written.</summary>
    public IReadOnlyList<DateTimeOffset> LastTokenTimes => [.. _lastTokens];

    public static async Task<FakeOpenAI> StartAsync()
    {
        var fake = new FakeOpenAI();
        fake._server = await LocalServer.StartAsync(app => app.MapPost("/{**path}", fake.HandleAsync));
        return fake;
    }

    public void Enqueue(params ModelScript[] scripts)
    {
        foreach (var s in scripts) _scripts.Enqueue(s);
    }

    private async Task HandleAsync(HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body);
        var body = JsonDocument.Parse(await reader.ReadToEndAsync()).RootElement.Clone();
        _requests.Enqueue(new ModelRequest(http.Request.Method, http.Request.Path + http.Request.QueryString,
            http.Request.Headers.Authorization.ToString(), http.Request.Headers.TryGetValue("api-key", out var key) ? key.ToString() : null, body, DateTimeOffset.UtcNow));
        var script = _scripts.TryDequeue(out var s) ? s : Default;
        if (script.HeaderDelay > TimeSpan.Zero)
        {
            try { await Task.Delay(script.HeaderDelay, http.RequestAborted); }
            catch (OperationCanceledException) { return; }
        }

        if (script.Status != 200)
        {
            http.Response.StatusCode = script.Status;
            if (script.RetryAfterSeconds is { } after) http.Response.Headers.RetryAfter = after.ToString();
            await http.Response.WriteAsJsonAsync(new { error = new { message = "scripted failure", type = "server_error", code = script.Status.ToString() } });
            return;
        }

        var model = body.TryGetProperty("model", out var m) ? m.GetString() : "fake";
        if (!body.TryGetProperty("stream", out var stream) || stream.ValueKind != JsonValueKind.True)
        {
            // A plain (non-streaming) chat completion: the whole text at once.
            await http.Response.WriteAsJsonAsync(new
            {
                id = "chatcmpl-fake", @object = "chat.completion", created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), model,
                choices = new[] { new { index = 0, message = new { role = "assistant", content = string.Concat(script.Tokens.Select(t => t.Token)) }, finish_reason = "stop" } },
                usage = new { prompt_tokens = 10, completion_tokens = 10, total_tokens = 20 },
            });
            return;
        }
        http.Response.StatusCode = 200;
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        await http.Response.Body.FlushAsync();
        var sent = 0;
        try
        {
            foreach (var (delay, token) in script.Tokens)
            {
                if (delay > TimeSpan.Zero) await Task.Delay(delay, http.RequestAborted);
                await WriteAsync(http, Chunk(model, new { role = "assistant", content = token }, null));
                sent++;
                if (script.DisconnectAfter == sent)
                {
                    _lastTokens.Enqueue(DateTimeOffset.UtcNow);
                    await Task.Delay(200); // let the last chunk arrive, then drop the connection (RST)
                    http.Abort();
                    return;
                }
            }
            _lastTokens.Enqueue(DateTimeOffset.UtcNow);
            await WriteAsync(http, Chunk(model, new { }, "stop"));
            await WriteAsync(http, "[DONE]");
        }
        catch (OperationCanceledException)
        {
            // the client went away (user pressed Stop)
        }
    }

    private static string Chunk(string? model, object delta, string? finish) => JsonSerializer.Serialize(new
    {
        id = "chatcmpl-fake",
        @object = "chat.completion.chunk",
        created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        model,
        choices = new[] { new { index = 0, delta, finish_reason = finish } },
    });

    private static async Task WriteAsync(HttpContext http, string data)
    {
        await http.Response.Body.WriteAsync(Encoding.UTF8.GetBytes($"data: {data}\n\n"), http.RequestAborted);
        await http.Response.Body.FlushAsync(http.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}
