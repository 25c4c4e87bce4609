using TeamsBot.Research;

namespace TeamsBot.Tests.Research;

/// <summary>The Word document goes only to OneDrive for Business (any cloud), never to a host an invoke names.</summary>
public sealed class ResearchUploadTests
{
    [Theory]
    [InlineData("https://contoso-my.sharepoint.com/personal/alex/Documents/r.docx", false, true)]
    [InlineData("https://agency-my.sharepoint.us/personal/alex/r.docx", false, true)]
    [InlineData("https://dod-my.sharepoint-mil.us/personal/alex/r.docx", false, true)]
    [InlineData("http://contoso-my.sharepoint.com/r.docx", false, false)]          // not https
    [InlineData("https://sharepoint.com.evil.example/r.docx", false, false)]       // a look-alike host
    [InlineData("https://intranet.agency.gov/upload", false, false)]               // an internal host
    [InlineData("http://127.0.0.1:5000/upload/r.docx", false, false)]              // loopback in production
    [InlineData("http://127.0.0.1:5000/upload/r.docx", true, true)]                // loopback in local development (tests)
    public void Only_OneDrive_hosts_receive_the_document(string url, bool localDevelopment, bool allowed) =>
        Assert.Equal(allowed, new ResearchOptions().IsAllowedUpload(new Uri(url), localDevelopment));
}
