using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TeamsBot.Protocol.Activities;
using TeamsBot.Testing;
using TeamsBot.Tests.Broadcasts;

namespace TeamsBot.Tests.Events;

/// <summary>Drives events as coaches (API) and employees (card clicks through /api/messages) do.</summary>
internal static class EventHarness
{
    /// <summary>An event body for <c>POST /api/events</c>; times are wall-clock in <paramref name="timeZone"/>.</summary>
    public static Dictionary<string, object?> Body(int capacity, DateTime start, string timeZone = "UTC", TimeSpan? length = null, DateTime? deadline = null,
        object? audience = null, string kind = "workshop", string title = "Plain language with AI") => new()
    {
        ["kind"] = kind,
        ["title"] = title,
        ["description"] = "Hands-on: rewrite a real public notice in plain language with the assistant.",
        ["start"] = start.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture),
        ["end"] = (start + (length ?? TimeSpan.FromMinutes(90))).ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture),
        ["timeZone"] = timeZone,
        ["location"] = "Online (Microsoft Teams)",
        ["joinUrl"] = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc",
        ["capacity"] = capacity,
        ["registrationDeadline"] = deadline?.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture),
        ["audience"] = audience ?? new { type = "users", users = new[] { "user1@gsa.gov" } },
    };

    public static async Task<JsonElement> CreateAsync(HttpClient http, string coachToken, object body)
    {
        var response = await BroadcastHarness.CallAsync(http, HttpMethod.Post, "/api/events", coachToken, body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>A click on an invite button by <paramref name="objectId"/>, from their own 1:1 chat.</summary>
    public static Activity Click(string serviceUrl, string verb, string eventId, string objectId, string tenantId, string trigger = "manual") =>
        Person(TestActivities.Invoke(serviceUrl, "adaptiveCard/action", new { action = new { type = "Action.Execute", verb, data = new { eventId } }, trigger },
            conversationId: ChatOf(objectId)), objectId, tenantId);

    public static Activity Person(Activity a, string objectId, string tenantId) => TestActivities.Person(a, objectId, tenantId);

    public static string ChatOf(string objectId) => "a:chat-" + objectId;

    /// <summary>Every string of the card an invoke answered with (<c>application/vnd.microsoft.card.adaptive</c>), one per line, unescaped.</summary>
    public static async Task<string> CardOfAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {body}");
        var json = JsonDocument.Parse(body).RootElement;
        Assert.Equal(200, json.GetProperty("statusCode").GetInt32());
        Assert.True(json.GetProperty("type").GetString() == "application/vnd.microsoft.card.adaptive", body);
        return Strings(json.GetProperty("value"));
    }

    /// <summary>Every string in a JSON document (texts, titles, verbs, urls), one per line: what to assert on.</summary>
    public static string Strings(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => string.Join('\n', e.EnumerateObject().Select(p => Strings(p.Value)).Where(s => s.Length > 0)),
        JsonValueKind.Array => string.Join('\n', e.EnumerateArray().Select(Strings).Where(s => s.Length > 0)),
        JsonValueKind.String => e.GetString()!,
        _ => "",
    };

    /// <summary>A reminder card sent to someone.</summary>
    public static bool IsReminder(ConnectorRequest r) => r.IsSend && r.Body.Contains("Reminder", StringComparison.Ordinal) && r.Body.Contains("Starting in", StringComparison.Ordinal);

    public const string Registered = "You're registered";
    public const string Cancelled = "You cancelled your registration";
    public static string Waitlisted(int position) => $"on the waitlist (position {position})";
    public static string SeatsLeft(int left, int capacity) => $"{left} of {capacity} left";

    /// <summary>Parses an .ics file with Mozilla's ical.js (tests/e2e/ics/parse.js): a parser independent of the bot's.</summary>
    public static JsonElement ParseWithIcalJs(string ics) => JsonDocument.Parse(NodeScript.Run("ics/parse.js", "ical.js", ics)).RootElement.Clone();
}
