using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TeamsBot.Protocol.Activities;

namespace TeamsBot.Protocol.Connector;

/// <summary>What a successful connector call answered: its status and body text (null when empty).</summary>
internal readonly record struct ConnectorResponse(HttpStatusCode Status, string? Text);

/// <summary>
/// One connector request over the connector's <see cref="HttpClient"/> (token, pacing, tenant budget and retries are handlers
/// in its pipeline), shared by <see cref="ConnectorClient"/> and <see cref="ConnectorBatchClient"/>: only trusted serviceUrls
/// are called, bodies are buffered JSON, and a failure becomes a <see cref="ConnectorException"/> with the Teams error code.
/// </summary>
internal static class ConnectorHttp
{
    public static async Task<ConnectorResponse> SendAsync(HttpClient http, TrustedServiceUrls trusted, HttpMethod method, string serviceUrl, string path,
        string operation, string? tenantId, object? body, CancellationToken cancellationToken)
    {
        if (!trusted.IsTrusted(serviceUrl)) throw new UntrustedServiceUrlException(serviceUrl);
        using var request = new HttpRequestMessage(method, new Uri(TrustedServiceUrls.Normalize(serviceUrl) + "/" + path));
        request.Options.Set(ConnectorRequestOptions.Operation, operation);
        if (!string.IsNullOrEmpty(tenantId)) request.Options.Set(ConnectorRequestOptions.TenantId, tenantId);
        if (body is not null) request.Content = BufferedJson(body);
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            string? code = null;
            try
            {
                var error = await response.Content.ReadFromJsonAsync<ErrorResponse>(ProtocolJson.Options, cancellationToken).ConfigureAwait(false);
                code = error?.Error?.Code;
            }
            catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException) { }
            throw new ConnectorException(response.StatusCode, code, $"Connector {method} {Path(path)} failed: {(int)response.StatusCode} {code}".TrimEnd());
        }
        if (response.Content.Headers.ContentLength == 0 || response.StatusCode == HttpStatusCode.NoContent) return new(response.StatusCode, null);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return new(response.StatusCode, string.IsNullOrWhiteSpace(text) ? null : text);
    }

    public static T Deserialize<T>(ConnectorResponse response) =>
        response.Text is null ? default! : JsonSerializer.Deserialize<T>(response.Text, ProtocolJson.Options)!;

    // Buffered, so the body goes out with Content-Length as Microsoft's SDKs send it: some gateways and proxies on
    // government networks refuse chunked request bodies. The same bytes are re-sent on retries.
    private static ByteArrayContent BufferedJson(object body)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), ProtocolJson.Options));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }

    public static string Esc(string value) => Uri.EscapeDataString(value);

    // Route shape for messages: ids stay out of logs and exceptions.
    public static string Path(string path) => path.Split('/') is [var v, var c, ..] ? $"{v}/{c}/…" : path;
}
