using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace TeamsBot.Protocol.Auth;

/// <summary>The <c>Bot:*</c> settings (README, Configuration).</summary>
public sealed class BotOptions
{
    public const string Section = "Bot";

    public string? AppId { get; set; }
    public string? AppPassword { get; set; }
    public string? CertificatePath { get; set; }
    public string? CertificatePassword { get; set; }
    public string? TenantId { get; set; }
    /// <summary>
    /// Client id of the user-assigned managed identity of an Azure Bot of type UserAssignedMSI (then the same value as
    /// <see cref="AppId"/>): the connector token comes from the managed identity endpoint; no password or certificate.
    /// </summary>
    public string? ManagedIdentityClientId { get; set; }
    public string Cloud { get; set; } = "Public";
    public string? OpenIdMetadataUrl { get; set; }
    public string? TokenEndpoint { get; set; }

    /// <summary>Tenants allowed to talk to the bot; empty = any tenant Azure Bot Service routes.</summary>
    public List<string> AllowedTenants { get; set; } = [];

    /// <summary>serviceUrls trusted before any activity arrives from them (e.g. for proactive sends after a restart).</summary>
    public List<string> ServiceUrls { get; set; } = [];

    /// <summary>Largest request body accepted on /api/messages; larger gets 413. Teams messages stay under ~100 KB.</summary>
    public long MaxRequestBodyBytes { get; set; } = 256 * 1024;

    /// <summary>How long the HTTP reply waits for a turn; longer turns go on after the reply (Teams wants one within 15 s).</summary>
    public TimeSpan ReplyDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>No app id: unauthenticated loopback-only development mode (never in Production).</summary>
    public bool LocalDevelopment => string.IsNullOrWhiteSpace(AppId);

    public bool UsesManagedIdentity => !string.IsNullOrWhiteSpace(ManagedIdentityClientId);

    public BotCloud ResolveCloud()
    {
        var cloud = BotCloud.All.TryGetValue(Cloud, out var c) ? c : BotCloud.Public;
        return cloud with { OpenIdMetadataUrl = string.IsNullOrWhiteSpace(OpenIdMetadataUrl) ? cloud.OpenIdMetadataUrl : OpenIdMetadataUrl };
    }
}

internal sealed class BotOptionsValidator(IHostEnvironment environment) : IValidateOptions<BotOptions>
{
    public ValidateOptionsResult Validate(string? name, BotOptions o)
    {
        var errors = new List<string>();
        if (!BotCloud.All.ContainsKey(o.Cloud))
            errors.Add($"Bot:Cloud '{o.Cloud}' is unknown; use one of {string.Join(", ", BotCloud.All.Keys)}.");
        if (o.LocalDevelopment)
        {
            if (environment.IsProduction())
                errors.Add("Bot:AppId is required in Production; local development mode (no app id) is never allowed there.");
            if (o.UsesManagedIdentity)
                errors.Add("Bot:ManagedIdentityClientId needs Bot:AppId (set both to the managed identity's client id).");
        }
        else
        {
            if (!Guid.TryParse(o.AppId, out _))
                errors.Add("Bot:AppId must be the bot's Entra application (client) id, a GUID.");
            if (o.UsesManagedIdentity)
            {
                if (!string.Equals(o.ManagedIdentityClientId, o.AppId, StringComparison.OrdinalIgnoreCase))
                    errors.Add("Bot:ManagedIdentityClientId must equal Bot:AppId (a UserAssignedMSI bot's app id is its managed identity's client id).");
                if (!string.IsNullOrWhiteSpace(o.AppPassword) || !string.IsNullOrWhiteSpace(o.CertificatePath))
                    errors.Add("Bot:ManagedIdentityClientId excludes Bot:AppPassword and Bot:CertificatePath; remove the secret or certificate.");
            }
            else if (string.IsNullOrWhiteSpace(o.AppPassword) && string.IsNullOrWhiteSpace(o.CertificatePath))
                errors.Add("Bot:AppPassword, Bot:CertificatePath or Bot:ManagedIdentityClientId is required when Bot:AppId is set.");
            if (!string.IsNullOrWhiteSpace(o.CertificatePath))
            {
                if (!File.Exists(o.CertificatePath))
                    errors.Add($"Bot:CertificatePath '{o.CertificatePath}' does not exist.");
                else
                {
                    try { using var _ = X509CertificateLoader.LoadPkcs12FromFile(o.CertificatePath, o.CertificatePassword); }
                    catch (Exception e) when (e is System.Security.Cryptography.CryptographicException)
                    {
                        errors.Add("Bot:CertificatePath is not a readable PKCS#12 certificate (check Bot:CertificatePassword).");
                    }
                }
            }
        }
        CheckUrl(errors, "Bot:OpenIdMetadataUrl", o.OpenIdMetadataUrl);
        CheckUrl(errors, "Bot:TokenEndpoint", o.TokenEndpoint);
        foreach (var url in o.ServiceUrls) CheckUrl(errors, "Bot:ServiceUrls", url);
        if (!string.IsNullOrWhiteSpace(o.TenantId) && !Guid.TryParse(o.TenantId, out _) && !o.TenantId.Contains('.'))
            errors.Add("Bot:TenantId must be a tenant GUID or a verified domain.");
        foreach (var tenant in o.AllowedTenants.Where(t => !Guid.TryParse(t, out _)))
            errors.Add($"Bot:AllowedTenants entry '{tenant}' is not a tenant GUID.");
        if (o.MaxRequestBodyBytes is < 16 * 1024 or > 16 * 1024 * 1024)
            errors.Add("Bot:MaxRequestBodyBytes must be between 16384 and 16777216.");
        if (o.ReplyDeadline <= TimeSpan.Zero || o.ReplyDeadline > TimeSpan.FromSeconds(14))
            errors.Add("Bot:ReplyDeadline must be between 00:00:00.001 and 00:00:14 (Teams waits 15 s).");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Absolute https URL, or http only on loopback (local fakes).</summary>
    internal static void CheckUrl(List<string> errors, string key, string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return;
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            errors.Add($"{key} '{value}' is not an absolute http(s) URL.");
        else if (uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback)
            errors.Add($"{key} '{value}' must use https (plain http is allowed on loopback only).");
    }
}
