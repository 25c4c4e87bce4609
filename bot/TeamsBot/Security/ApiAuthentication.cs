using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace TeamsBot.Security;

/// <summary><c>Api:*</c>: who may call the automation APIs under <c>/api/...</c> (Entra ID bearer tokens).</summary>
public sealed class ApiOptions
{
    public const string Section = "Api";

    /// <summary>
    /// The Entra ID authority of the tenant that issues API tokens, e.g. <c>https://login.microsoftonline.com/{tenant}/v2.0</c>
    /// (<c>https://login.microsoftonline.us/{tenant}/v2.0</c> in Azure Government); its OpenID metadata is read from
    /// <c>{Authority}/.well-known/openid-configuration</c>. Empty: the APIs are off (404).
    /// </summary>
    public string? Authority { get; set; }

    /// <summary>The API's app registration: its application ID URI (<c>api://…</c>) or client id; both forms are accepted.</summary>
    public string? Audience { get; set; }

    /// <summary>Issuers accepted besides the metadata's (e.g. the v1 <c>https://sts.windows.net/{tenant}/</c> of a registration that issues v1 tokens).</summary>
    public List<string> ValidIssuers { get; set; } = [];

    public bool Enabled => !string.IsNullOrWhiteSpace(Authority);
}

public static class ApiAuthentication
{
    /// <summary>The authentication scheme of the automation APIs.</summary>
    public const string Scheme = "Api";

    /// <summary>
    /// Entra ID bearer tokens for <c>/api/...</c> (app roles <see cref="Roles.Coach"/>, <see cref="Roles.Admin"/> in the
    /// <c>roles</c> claim) and the <see cref="ApiPolicies"/>. Nothing is registered while <c>Api:Authority</c> is empty.
    /// </summary>
    public static IHostApplicationBuilder AddApiAuthentication(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ApiOptions>, ApiOptionsValidator>();
        builder.Services.AddProblemDetails();
        var api = builder.Configuration.GetSection(ApiOptions.Section).Get<ApiOptions>() ?? new ApiOptions();
        if (!api.Enabled) return builder;

        var authority = api.Authority!.TrimEnd('/');
        builder.Services.AddAuthentication().AddJwtBearer(Scheme, o =>
        {
            o.Authority = authority;
            o.RequireHttpsMetadata = !IsLoopbackHttp(authority);
            o.MapInboundClaims = false; // keep Entra's claim names: roles, tid, oid, name
            o.TokenValidationParameters = new TokenValidationParameters
            {
                ValidAudiences = Audiences(api.Audience),
                ValidIssuers = api.ValidIssuers,
                RoleClaimType = "roles",
                NameClaimType = "name",
                ClockSkew = TimeSpan.FromMinutes(5),
                ValidAlgorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512],
            };
            // An ID token of the same app registration (a tab's sign-in) has the same issuer, keys, audience and roles:
            // only access tokens name the client they were issued to (azp in v2, appid in v1).
            o.Events = new JwtBearerEvents
            {
                OnTokenValidated = context =>
                {
                    if (!context.Principal!.HasClaim(c => c.Type is "azp" or "appid")) context.Fail("not an access token");
                    return Task.CompletedTask;
                },
            };
        });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(ApiPolicies.Caller, p => p.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser())
            .AddPolicy(ApiPolicies.Coach, p => p.AddAuthenticationSchemes(Scheme).RequireRole(Roles.Coach, Roles.Admin))
            .AddPolicy(ApiPolicies.Admin, p => p.AddAuthenticationSchemes(Scheme).RequireRole(Roles.Admin));
        return builder;
    }

    /// <summary><c>api://{id}</c> and <c>{id}</c>: v1 tokens carry the application ID URI, v2 tokens the client id.</summary>
    internal static IReadOnlyList<string> Audiences(string? audience)
    {
        if (string.IsNullOrWhiteSpace(audience)) return [];
        var value = audience.Trim();
        var forms = new List<string> { value };
        if (Guid.TryParse(value, out var id)) forms.Add($"api://{id:D}");
        else if (value.StartsWith("api://", StringComparison.OrdinalIgnoreCase) && Guid.TryParse(value["api://".Length..], out id)) forms.Add(id.ToString("D"));
        return forms;
    }

    internal static bool IsLoopbackHttp(string url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback;
}

/// <summary>One line per problem with <c>Api:*</c> at startup.</summary>
internal sealed class ApiOptionsValidator : IValidateOptions<ApiOptions>
{
    private static readonly string[] SharedAuthorities = ["common", "organizations", "consumers"];

    public ValidateOptionsResult Validate(string? name, ApiOptions o)
    {
        if (!o.Enabled) return ValidateOptionsResult.Success;
        var problems = new List<string>();
        if (!Uri.TryCreate(o.Authority, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
            problems.Add($"Api:Authority '{o.Authority}' is not an absolute URL such as https://login.microsoftonline.com/<tenant-id>/v2.0.");
        else
        {
            if (uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback)
                problems.Add("Api:Authority must use https (plain http is allowed on loopback only).");
            var tenant = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            if (tenant is not null && SharedAuthorities.Contains(tenant, StringComparer.OrdinalIgnoreCase))
                problems.Add($"Api:Authority must name the tenant that issues API tokens, not '{tenant}'.");
        }
        if (string.IsNullOrWhiteSpace(o.Audience))
            problems.Add("Api:Audience is required when Api:Authority is set (the API's application ID URI, api://<client-id>, or its client id).");
        foreach (var issuer in o.ValidIssuers.Where(i => !Uri.TryCreate(i, UriKind.Absolute, out _)))
            problems.Add($"Api:ValidIssuers entry '{issuer}' is not an absolute URL.");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
