using System.Text.Json;

namespace TeamsBot.Agencies;

/// <summary>The agency registry's JSON: the seed file (<c>Directory:AgenciesFile</c>), stored records and API bodies, with validation.</summary>
internal static class AgencyJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { WriteIndented = false, AllowTrailingCommas = true, ReadCommentHandling = JsonCommentHandling.Skip };

    private sealed record RegistryFile(IReadOnlyList<Agency>? Agencies);

    /// <summary>Reads and validates a registry file; throws <see cref="InvalidDataException"/> with one line per problem.</summary>
    public static IReadOnlyList<Agency> Load(string path)
    {
        RegistryFile? file;
        try
        {
            using var stream = System.IO.File.OpenRead(path);
            file = JsonSerializer.Deserialize<RegistryFile>(stream, Options);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"agency file '{path}' is not valid: {e.Message}");
        }
        var agencies = file?.Agencies ?? throw new InvalidDataException($"agency file '{path}' has no \"agencies\" array.");
        var problems = agencies.SelectMany(Validate).ToList();
        problems.AddRange(agencies.GroupBy(a => a.Id, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => $"agency id '{g.Key}' appears {g.Count()} times"));
        if (problems.Count > 0) throw new InvalidDataException($"agency file '{path}': {string.Join("; ", problems)}");
        return agencies;
    }

    public static IEnumerable<string> Validate(Agency a) => Problems(a).Select(p => p.Message);

    /// <summary>Each problem with the field it is about (JSON names, e.g. <c>emailDomains[1]</c>), for API problem details.</summary>
    public static IEnumerable<(string Field, string Message)> Problems(Agency a)
    {
        if (string.IsNullOrWhiteSpace(a.Id) || a.Id.Length > 64 || a.Id.Any(char.IsWhiteSpace))
            yield return ("id", $"agency id '{a.Id}' must be 1-64 characters without spaces");
        else if (string.Equals(a.Id, Agency.UnassignedId, StringComparison.OrdinalIgnoreCase))
            yield return ("id", $"agency id '{a.Id}' is reserved");
        if (string.IsNullOrWhiteSpace(a.Name)) yield return ("name", $"agency '{a.Id}' needs a name");
        for (var i = 0; i < a.EmailDomains.Count; i++)
        {
            var d = a.EmailDomains[i];
            if (string.IsNullOrWhiteSpace(d) || d.Contains('@') || !d.Contains('.'))
                yield return ($"emailDomains[{i}]", $"agency '{a.Id}' has an invalid email domain '{d}'");
        }
        foreach (var (field, ids) in new[] { ("tenantIds", a.TenantIds), ("memberGroupIds", a.MemberGroupIds), ("coachGroupIds", a.CoachGroupIds),
                     ("coachUserIds", a.CoachUserIds), ("adminGroupIds", a.AdminGroupIds), ("adminUserIds", a.AdminUserIds) })
        {
            for (var i = 0; i < ids.Count; i++)
                if (!Guid.TryParse(ids[i], out _)) yield return ($"{field}[{i}]", $"agency '{a.Id}' {field} entry '{ids[i]}' is not an Entra id (a GUID)");
        }
        for (var i = 0; i < a.Entitlements.Count; i++)
        {
            var w = a.Entitlements[i];
            if (string.IsNullOrWhiteSpace(w.Feature) || w.End <= w.Start)
                yield return ($"entitlements[{i}]", $"agency '{a.Id}' entitlement '{w.Feature}' must have a feature name and end after it starts");
        }
        if (a.PromptRules is { Length: > 4000 }) yield return ("promptRules", "prompt rules are limited to 4000 characters");
    }
}
