using System.Text.RegularExpressions;

namespace TeamsBot.Answers;

/// <summary><c>Model:*</c>: which enterprise model answers (README, Answers).</summary>
public sealed class ModelOptions
{
    public const string Section = "Model";
    public const string Offline = "Offline", OpenAI = "OpenAI", AzureOpenAI = "AzureOpenAI", Compatible = "Compatible";
    public const string KeyCredential = "Key";

    /// <summary>Offline (default: knowledge answers only), OpenAI, AzureOpenAI or Compatible.</summary>
    public string Provider { get; set; } = Offline;
    /// <summary>Base URL: optional for OpenAI, the resource URL for Azure (e.g. https://x.openai.azure.us/), the /v1 base for Compatible.</summary>
    public string? Endpoint { get; set; }
    public string? ApiKey { get; set; }
    /// <summary>
    /// <c>Key</c> (default: <see cref="ApiKey"/>), or keyless for AzureOpenAI: <c>ManagedIdentity</c> or <c>WorkloadIdentity</c>
    /// (Entra ID tokens for the Cognitive Services audience of the endpoint's cloud).
    /// </summary>
    public string Credential { get; set; } = KeyCredential;
    /// <summary>User-assigned managed identity's client id (empty = system-assigned); for WorkloadIdentity it replaces AZURE_CLIENT_ID.</summary>
    public string? ManagedIdentityClientId { get; set; }
    /// <summary>Model name, or the deployment name for Azure OpenAI.</summary>
    public string? Name { get; set; }
    /// <summary>Time allowed for the model to start answering (per attempt).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>Longest silence allowed between two streamed chunks.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(30);
    public int MaxRetries { get; set; } = 2;
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>A Retry-After longer than this means "over quota": fall back at once instead of waiting.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(20);
    /// <summary>Circuit breaker: open after this share of failures among at least <see cref="BreakerMinimumThroughput"/> calls in 60 s.</summary>
    public double BreakerFailureRatio { get; set; } = 0.5;
    public int BreakerMinimumThroughput { get; set; } = 6;
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);
    public int MaxOutputTokens { get; set; } = 1200;

    public bool IsOffline => string.Equals(Provider, Offline, StringComparison.OrdinalIgnoreCase);

    /// <summary>Azure OpenAI in Azure Government (<c>*.openai.azure.us</c>, <c>*.cognitiveservices.azure.us</c>).</summary>
    public bool IsAzureGovernment =>
        Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) && uri.Host.EndsWith(".azure.us", StringComparison.OrdinalIgnoreCase);
}

/// <summary><c>Knowledge:*</c>: the approved documents the bot answers from and cites.</summary>
public sealed class KnowledgeOptions
{
    public const string Section = "Knowledge";
    /// <summary>Folder of Markdown/text files; relative paths resolve against the content root, then the app's base directory.</summary>
    public string Path { get; set; } = "knowledge/";
    /// <summary>Optional: where the documents are published; citations then link to BaseUrl + file name.</summary>
    public string? BaseUrl { get; set; }
    /// <summary>Passages put into the model prompt.</summary>
    public int MaxPassages { get; set; } = 4;
}

/// <summary><c>Answers:*</c>: fair use, memory and the protected content guard.</summary>
public sealed class AnswersOptions
{
    public const string Section = "Answers";
    /// <summary>Questions each user may ask per <see cref="RateLimitWindow"/>.</summary>
    public int QuestionsPerWindow { get; set; } = 20;
    public TimeSpan RateLimitWindow { get; set; } = TimeSpan.FromMinutes(10);
    /// <summary>Approximate tokens of earlier turns sent with a question (≈ 4 characters per token).</summary>
    public int MemoryTokenBudget { get; set; } = 2000;
    /// <summary>Conversation memory older than this is deleted.</summary>
    public TimeSpan MemoryRetention { get; set; } = TimeSpan.FromDays(30);
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromHours(1);
    /// <summary>Admin-configured regular expressions; a match is refused like built-in protected content.</summary>
    public List<string> BlockedPatterns { get; set; } = [];
    /// <summary>Per-agency system prompt additions, keyed by agency id (<c>Answers:AgencyRules:gsa</c>).</summary>
    public Dictionary<string, string> AgencyRules { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    internal static bool IsValidRegex(string pattern)
    {
        try { _ = new Regex(pattern, RegexOptions.None, TimeSpan.FromSeconds(1)); return true; }
        catch (ArgumentException) { return false; }
    }
}
