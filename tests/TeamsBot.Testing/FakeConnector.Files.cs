using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;

namespace TeamsBot.Testing;

/// <summary>
/// Teams file consent's upload side: the <c>uploadUrl</c> an accepted <c>fileConsent/invoke</c> carries points here
/// (<c>PUT /upload/{name}</c>, with <c>Content-Range</c>), as OneDrive's upload session does for the real Teams.
/// </summary>
public sealed partial class FakeConnector
{
    private readonly ConcurrentDictionary<string, Upload> _uploads = new(StringComparer.Ordinal);

    public sealed record Upload(byte[] Bytes, string? ContentRange, string? ContentType);

    /// <summary>Files uploaded, by name.</summary>
    public IReadOnlyDictionary<string, Upload> Uploads => _uploads;

    /// <summary>An upload URL for <paramref name="name"/>, as Teams puts it in <c>uploadInfo.uploadUrl</c>.</summary>
    public string UploadUrl(string name) => $"{ServiceUrl.TrimEnd('/')}/upload/{Uri.EscapeDataString(name)}";

    /// <summary>Status the upload URL answers with (201 by default; tests set 500 to see a failed upload).</summary>
    public int UploadStatus { get; set; } = 201;

    private async Task<bool> TryUploadAsync(HttpContext http)
    {
        if (!http.Request.Path.StartsWithSegments("/upload", out var rest)) return false;
        if (!HttpMethods.IsPut(http.Request.Method))
        {
            http.Response.StatusCode = 405;
            return true;
        }
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer);
        if (UploadStatus is >= 200 and < 300)
            _uploads[Uri.UnescapeDataString(rest.Value!.TrimStart('/'))] = new Upload(buffer.ToArray(), http.Request.Headers.ContentRange.ToString(), http.Request.ContentType);
        http.Response.StatusCode = UploadStatus;
        await http.Response.WriteAsJsonAsync(new { id = Guid.NewGuid().ToString("N"), size = buffer.Length });
        return true;
    }
}
