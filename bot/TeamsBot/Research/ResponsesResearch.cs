using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Core;
using Microsoft.Extensions.Options;
using TeamsBot.Answers;

namespace TeamsBot.Research;

/// <summary>
/// <c>Research:Provider=Responses</c>: the OpenAI Responses API in background mode with a deep-research model
/// (<c>Research:Model</c>) over the approved documents' vector stores (<c>file_search</c>, <c>Research:VectorStoreIds</c>).
/// Step 0 creates the response (its id is stored, so a restart polls the same one); later steps poll it with backoff; the
/// completed output's <c>url_citation</c> and <c>file_citation</c> annotations become the numbered sources.
/// Authenticated like the chat model: an API key, or on Azure OpenAI the Entra ID token of <c>Model:Credential</c>
/// (managed or workload identity) for the endpoint's cloud.
/// </summary>
public sealed class ResponsesResearch(IHttpClientFactory http, IOptions<ModelOptions> model, IOptions<ResearchOptions> options, AzureCredentialFactory credentials)
    : IResearchProvider
{
    public const string HttpClientName = "research-responses";
    private readonly Lazy<TokenCredential?> _credential = new(() => ModelClient.TokenCredentialFor(model.Value, credentials));

    /// <summary>The token scope for the endpoint's cloud, the same audience the chat client asks for.</summary>
    internal static string Scope(ModelOptions o) => ModelClient.AudienceFor(o).ToString();

    public async Task<ResearchStepResult> StepAsync(ResearchRequest request, ResearchState state, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var question = request.Question;
        if (state.ResponseId is null)
        {
            var tools = new JsonArray();
            if (o.VectorStores().Count > 0) tools.Add(new JsonObject { ["type"] = "file_search", ["vector_store_ids"] = new JsonArray([.. o.VectorStores().Select(v => (JsonNode)v)]) });
            // The public web only where the agency allowed it (the registry's allowWebResearch, off by default).
            if (request.AllowWeb) tools.Add(new JsonObject { ["type"] = "web_search_preview" });
            if (tools.Count == 0) throw new InvalidOperationException("Deep research needs a data source: set Research:VectorStoreIds, or allow web research for the agency.");
            var body = new JsonObject
            {
                ["model"] = o.Model,
                ["background"] = true,
                ["input"] = "Research this for a government employee and write a report: a short summary, then the key findings as a bulleted list, "
                            + "each supported by the cited sources. Question: " + question,
                ["tools"] = tools,
                ["max_tool_calls"] = o.MaxToolCalls,
            };
            using var response = await SendAsync(HttpMethod.Post, "responses", body, cancellationToken);
            var created = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            state.ResponseId = created.GetProperty("id").GetString() ?? throw new InvalidOperationException("The Responses API returned no id.");
            state.Step = 1;
            return new ResearchStepResult("planning", 0, AskAgainAfter: o.PollInterval);
        }
        state.Polls++;
        // Poll with backoff: the interval, growing by half each time, at most a minute (the run is scheduled again meanwhile).
        var wait = TimeSpan.FromTicks((long)Math.Min(o.PollInterval.Ticks * Math.Pow(1.5, Math.Min(state.Polls, 10)), TimeSpan.FromMinutes(1).Ticks));
        using var poll = await SendAsync(HttpMethod.Get, $"responses/{Uri.EscapeDataString(state.ResponseId)}", null, cancellationToken);
        var current = await poll.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        var status = current.TryGetProperty("status", out var s) ? s.GetString() : null;
        var searches = current.TryGetProperty("output", out var output) && output.ValueKind == JsonValueKind.Array
            ? output.EnumerateArray().Count(i => i.TryGetProperty("type", out var t) && t.GetString() is "file_search_call" or "web_search_call")
            : 0;
        return status switch
        {
            "queued" => new ResearchStepResult("planning", 0, AskAgainAfter: wait),
            "in_progress" => new ResearchStepResult("reading", searches, AskAgainAfter: wait),
            "completed" => Completed(question, current),
            _ => throw new InvalidOperationException($"The research ended as '{status}' at the provider."),
        };
    }

    public async Task CancelAsync(ResearchState state, CancellationToken cancellationToken)
    {
        if (state.ResponseId is { } id)
            using (await SendAsync(HttpMethod.Post, $"responses/{Uri.EscapeDataString(id)}/cancel", new JsonObject(), cancellationToken)) { }
    }

    /// <summary>The report from a completed response: paragraphs and bullets of its text, cited by the annotations inside them.</summary>
    internal static ResearchStepResult Completed(string question, JsonElement response)
    {
        var text = "";
        var annotations = new List<JsonElement>();
        foreach (var item in response.GetProperty("output").EnumerateArray())
        {
            if (!item.TryGetProperty("type", out var type) || type.GetString() != "message") continue;
            foreach (var content in item.GetProperty("content").EnumerateArray())
            {
                if (content.TryGetProperty("type", out var ct) && ct.GetString() == "output_text")
                {
                    text = content.GetProperty("text").GetString() ?? "";
                    if (content.TryGetProperty("annotations", out var a)) annotations.AddRange(a.EnumerateArray());
                }
            }
        }
        var sources = new List<Passage>();
        var lines = new List<(int Start, int End, string Text, List<int> Sources)>();
        var offset = 0;
        foreach (var line in text.Split('\n'))
        {
            if (line.Trim().Length > 0) lines.Add((offset, offset + line.Length, line.Trim(), []));
            offset += line.Length + 1;
        }
        foreach (var a in annotations)
        {
            var kind = a.TryGetProperty("type", out var t) ? t.GetString() : null;
            var (key, passage) = kind switch
            {
                "url_citation" => (a.GetProperty("url").GetString() ?? "", new Passage(a.TryGetProperty("title", out var title) ? title.GetString() ?? "" : "", "", "",
                    a.GetProperty("url").GetString() ?? "", a.GetProperty("url").GetString(), 0)),
                "file_citation" => (a.TryGetProperty("file_id", out var f) ? f.GetString() ?? "" : "", new Passage(a.TryGetProperty("filename", out var fn) ? fn.GetString() ?? "document" : "document",
                    "", "", a.TryGetProperty("filename", out var fn2) ? fn2.GetString() ?? "" : "", null, 0)),
                _ => ("", null!),
            };
            if (key.Length == 0) continue;
            var number = sources.FindIndex(p => (p.Url ?? p.FileName) == (passage.Url ?? passage.FileName)) + 1;
            if (number == 0) { sources.Add(passage with { DocumentTitle = passage.DocumentTitle.Length > 0 ? passage.DocumentTitle : key }); number = sources.Count; }
            var at = a.TryGetProperty("start_index", out var si) ? si.GetInt32() : a.TryGetProperty("index", out var ix) ? ix.GetInt32() : -1;
            var holder = lines.FindIndex(l => at >= l.Start && at <= l.End);
            if (holder >= 0 && !lines[holder].Sources.Contains(number)) lines[holder].Sources.Add(number);
        }
        static bool IsBullet(string l) => l.StartsWith("- ", StringComparison.Ordinal) || l.StartsWith("* ", StringComparison.Ordinal) || char.IsDigit(l[0]) && l.Contains(". ", StringComparison.Ordinal);
        var summary = lines.FirstOrDefault(l => !IsBullet(l.Text) && !l.Text.StartsWith('#')).Text ?? "";
        var findings = lines.Where(l => IsBullet(l.Text)).Select(l => new ResearchFinding(l.Text.TrimStart('-', '*', ' ').Trim(), l.Sources)).ToList();
        if (findings.Count == 0)
            findings = [.. lines.Where(l => l.Text != summary && !l.Text.StartsWith('#')).Select(l => new ResearchFinding(l.Text, l.Sources))];
        return new ResearchStepResult("writing", sources.Count, new ResearchReport(question, summary, findings, sources, Extractive: false));
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken)
    {
        var m = model.Value;
        var azure = string.Equals(m.Provider, ModelOptions.AzureOpenAI, StringComparison.OrdinalIgnoreCase);
        var root = string.IsNullOrWhiteSpace(m.Endpoint) ? "https://api.openai.com/v1/" : m.Endpoint.TrimEnd('/') + (azure ? "/openai/v1/" : "/");
        using var request = new HttpRequestMessage(method, new Uri(new Uri(root), path));
        if (body is not null) request.Content = JsonContent.Create(body);
        if (_credential.Value is { } credential)
        {
            var token = await credential.GetTokenAsync(new TokenRequestContext([Scope(m)]), cancellationToken);
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token.Token);
        }
        else if (azure) request.Headers.Add("api-key", m.ApiKey);
        else request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", m.ApiKey);
        var response = await http.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var status = (int)response.StatusCode;
            response.Dispose();
            throw new HttpRequestException($"The Responses API answered {status}.", null, (System.Net.HttpStatusCode)status);
        }
        return response;
    }
}
