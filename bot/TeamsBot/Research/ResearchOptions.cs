namespace TeamsBot.Research;

public enum ResearchProviderKind { Offline, Iterative, Responses }


/// <summary><c>Research:*</c>: deep research inside each agency's advanced-features window.</summary>
public sealed class ResearchOptions
{
    public const string Section = "Research";

    /// <summary>
    /// <c>Offline</c> (approved documents, no model), <c>Iterative</c> (any chat model: plan, search, synthesise),
    /// <c>Responses</c> (the OpenAI Responses API in background mode with a deep-research model; <c>Model:Endpoint</c> with <c>Model:ApiKey</c> or <c>Model:Credential</c>).
    /// </summary>
    public ResearchProviderKind Provider { get; set; } = ResearchProviderKind.Offline;

    /// <summary>The registry feature whose window allows research.</summary>
    public string Feature { get; set; } = "deep-research";

    /// <summary>Research requests a person may start per UTC day.</summary>
    public int PerUserPerDay { get; set; } = 5;

    /// <summary>A research still running after this is cancelled and the person told.</summary>
    public TimeSpan MaxDuration { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Researches running at once per agency; more wait their turn.</summary>
    public int PerAgencyConcurrency { get; set; } = 20;

    /// <summary>Stored questions and reports are deleted this long after the research ended.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Sub-questions a research plans (each is searched and read).</summary>
    public int MaxSubQuestions { get; set; } = 4;

    /// <summary>Approved passages read per sub-question.</summary>
    public int PassagesPerSubQuestion { get; set; } = 3;

    /// <summary>Who people should ask about access (shown when research is unavailable); empty = their agency's coach.</summary>
    public string Contact { get; set; } = "";

    /// <summary>Responses provider: the deep-research model (e.g. <c>o4-mini-deep-research</c>, <c>o3-deep-research</c>).</summary>
    public string Model { get; set; } = "o4-mini-deep-research";

    /// <summary>Responses provider: vector stores of the approved documents searched by <c>file_search</c>, comma-separated.</summary>
    public string VectorStoreIds { get; set; } = "";

    /// <summary>Responses provider: the first poll interval (it grows by half each poll, to a minute at most).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Responses provider: most tool calls (searches) one research may make.</summary>
    public int MaxToolCalls { get; set; } = 40;

    public IReadOnlyList<string> VectorStores() => [.. VectorStoreIds.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    /// <summary>
    /// Where accepted Word documents may be uploaded: the host of the <c>uploadUrl</c> Teams sends must end with one of these
    /// (OneDrive for Business in each cloud), comma-separated. Loopback is allowed only in local development mode.
    /// </summary>
    public string UploadHosts { get; set; } = "sharepoint.com,sharepoint.us,sharepoint-mil.us,sharepoint.de,sharepoint.cn";

    public bool IsAllowedUpload(Uri uri, bool localDevelopment) =>
        uri.IsLoopback ? localDevelopment
        : uri.Scheme == Uri.UriSchemeHttps && UploadHosts.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Any(h => uri.Host.Equals(h, StringComparison.OrdinalIgnoreCase) || uri.Host.EndsWith("." + h, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Settle a delivery piece (the report, the document offer) whose send's outcome is unknown (the process stopped between
    /// the send and its mark) by looking for it in the person's chat through Graph before sending it again; off (the default),
    /// it is sent again. Needs <c>Graph:*</c> credentials and <see cref="TeamsAppCatalogId"/>.
    /// </summary>
    public bool VerifyUnknownDeliveries { get; set; }

    /// <summary>The app's id in the organisation's Teams app catalog (finds the person's chat with the bot); defaults to <c>Broadcasts:TeamsAppCatalogId</c>.</summary>
    public string? TeamsAppCatalogId { get; set; }

    /// <summary>A pause between steps (tests use it to stop a process mid-research; zero in production).</summary>
    public TimeSpan StepDelay { get; set; } = TimeSpan.Zero;
}
