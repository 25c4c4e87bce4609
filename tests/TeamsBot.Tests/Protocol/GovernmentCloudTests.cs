using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.IdentityModel.JsonWebTokens;
using TeamsBot.Testing;

namespace TeamsBot.Tests.Protocol;

/// <summary>Per-cloud endpoints (public, Azure Government) and single-tenant bots, authenticating with a certificate instead of a secret.</summary>
public class GovernmentCloudTests
{
    [Theory]
    [InlineData("USGov", null, "https://api.botframework.us", "https://api.botframework.com", "https://api.botframework.us/.default", "https://login.microsoftonline.us/MicrosoftServices.onmicrosoft.us/")]
    [InlineData("USGovDoD", null, "https://api.botframework.us", "https://api.botframework.com", "https://api.botframework.us/.default", "https://login.microsoftonline.us/MicrosoftServices.onmicrosoft.us/")]
    [InlineData("Public", "0b5e1d2c-1111-4222-8333-944455556666", "https://api.botframework.com", "https://api.botframework.us", "https://api.botframework.com/.default", "https://login.microsoftonline.com/0b5e1d2c-1111-4222-8333-944455556666/")]
    public async Task Cloud_selects_issuer_scope_and_authority_and_certificates_sign_the_token_request(
        string cloud, string? tenantId, string issuer, string foreignIssuer, string scope, string authority)
    {
        var certificatePath = Path.Combine(Path.GetTempPath(), $"teamsbot-cert-{Guid.NewGuid():N}.pfx");
        using (var rsa = RSA.Create(2048))
        {
            var request = new CertificateRequest("CN=teamsbot-test", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
            await File.WriteAllBytesAsync(certificatePath, certificate.Export(X509ContentType.Pfx, "pfx-password"));
        }
        try
        {
            await using var env = await AuthenticatedBot.StartAsync(new Dictionary<string, string?>
            {
                ["Bot:Cloud"] = cloud,
                ["Bot:TenantId"] = tenantId,
                ["Bot:AppPassword"] = null,
                ["Bot:CertificatePath"] = certificatePath,
                ["Bot:CertificatePassword"] = "pfx-password",
            });

            // The other cloud's channel issuer is refused…
            Assert.Equal(HttpStatusCode.Unauthorized, (await env.Bot.SendAsync(TestActivities.Message(env.Connector.ServiceUrl, "help"), env.Token(s => s with { Issuer = foreignIssuer }))).StatusCode);
            // …this cloud's is accepted.
            var token = env.Token(s => s with { Issuer = issuer });
            Assert.Equal(HttpStatusCode.OK, (await env.Bot.SendAsync(TestActivities.Message(env.Connector.ServiceUrl, "help"), token)).StatusCode);

            var reply = (await env.Connector.WaitForSendsAsync(1)).Single(r => r.IsSend);
            Assert.Equal($"Bearer {env.Tokens.LastToken}", reply.Authorization);
            var tokenRequest = Assert.Single(env.Tokens.Requests);
            Assert.Equal(scope, tokenRequest["scope"]);
            Assert.False(tokenRequest.ContainsKey("client_secret"));
            Assert.Equal("urn:ietf:params:oauth:client-assertion-type:jwt-bearer", tokenRequest["client_assertion_type"]);
            var assertion = new JsonWebToken(tokenRequest["client_assertion"]);
            Assert.Equal(AuthenticatedBot.AppId, assertion.Issuer);
            Assert.StartsWith(authority, assertion.Audiences.Single(), StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            File.Delete(certificatePath);
        }
    }
}
