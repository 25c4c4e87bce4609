using System.Text.Json;
using System.Text.Json.Serialization;
using TeamsBot.Cards;

namespace TeamsBot.Nudges;

/// <summary>
/// A training program: an ordered list of short lessons (<c>Nudges:CurriculumPath</c>, JSON). Lessons without a
/// <see cref="Lesson.When"/> go out in order, the next once the previous was tried; lessons with one go out whenever
/// their rule holds (a feature window about to close, a feature never tried, a long silence).
/// </summary>
public sealed record Curriculum
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required IReadOnlyList<Lesson> Lessons { get; init; }

    public Lesson? Find(string lessonId) => Lessons.FirstOrDefault(l => l.Id == lessonId);

    public int NumberOf(Lesson lesson) => Lessons.ToList().IndexOf(lesson) + 1;
}

public sealed record Lesson
{
    public required string Id { get; init; }
    public required string Title { get; init; }
    /// <summary>Markdown, a few sentences.</summary>
    public required string Body { get; init; }
    /// <summary>The sample question <b>Try it</b> asks in the person's chat.</summary>
    public required string TryIt { get; init; }
    public int Minutes { get; init; } = 5;
    public string? Link { get; init; }
    /// <summary>Only people of these agencies (empty = everyone).</summary>
    public IReadOnlyList<string> Agencies { get; init; } = [];
    public LessonRule? When { get; init; }
}

/// <summary>When a targeted lesson is due (all given conditions must hold).</summary>
public sealed record LessonRule
{
    /// <summary>No question asked for at least this many days.</summary>
    public int? InactiveDays { get; init; }
    /// <summary>A feature (its command word, e.g. <c>research</c>) the person has never used.</summary>
    public string? NeverTried { get; init; }
    /// <summary>The agency's entitlement window for <see cref="WindowFeature"/> is open and ends within this many days.</summary>
    public int? WindowEndsWithinDays { get; init; }
    public string? WindowFeature { get; init; }
}

public static class CurriculumLoader
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>Reads and checks a curriculum file; every problem is listed in the exception's message.</summary>
    public static Curriculum Load(string path)
    {
        Curriculum? curriculum;
        try
        {
            curriculum = JsonSerializer.Deserialize<Curriculum>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid curriculum ({e.Path}: {e.Message.Split('.')[0]}).");
        }
        var problems = Problems(curriculum);
        if (problems.Count > 0) throw new InvalidDataException($"{path}: " + string.Join(" ", problems));
        return curriculum!;
    }

    public static List<string> Problems(Curriculum? c)
    {
        var problems = new List<string>();
        if (c is null) return ["The file is empty."];
        // Ids go into campaign references (nudge:{id}/{lesson}, at most 100 characters): short, and without '/'.
        if (string.IsNullOrWhiteSpace(c.Id) || c.Id.Length > 30 || c.Id.Contains('/')) problems.Add("id: 1-30 characters, no '/'.");
        if (c.Lessons.Count == 0) problems.Add("lessons: at least one.");
        foreach (var (lesson, i) in c.Lessons.Select((l, i) => (l, i)))
        {
            var at = $"lessons[{i}]";
            if (string.IsNullOrWhiteSpace(lesson.Id) || lesson.Id.Length > 60 || lesson.Id.Contains('/')) problems.Add($"{at}.id: 1-60 characters, no '/'.");
            if (string.IsNullOrWhiteSpace(lesson.Title) || lesson.Title.Length > 200) problems.Add($"{at}.title: 1-200 characters.");
            if (string.IsNullOrWhiteSpace(lesson.Body) || lesson.Body.Length > 2000) problems.Add($"{at}.body: 1-2000 characters.");
            if (string.IsNullOrWhiteSpace(lesson.TryIt) || lesson.TryIt.Length > 500) problems.Add($"{at}.tryIt: 1-500 characters.");
            if (lesson.Link is not null && !CardText.IsHttps(lesson.Link)) problems.Add($"{at}.link: an https:// address.");
            if (lesson.Minutes is < 1 or > 120) problems.Add($"{at}.minutes: 1-120.");
            if (lesson.When is { WindowEndsWithinDays: not null, WindowFeature: null or "" }) problems.Add($"{at}.when.windowFeature: name the feature whose window closes.");
        }
        foreach (var dup in c.Lessons.GroupBy(l => l.Id).Where(g => g.Count() > 1)) problems.Add($"lesson id '{dup.Key}' is used twice.");
        return problems;
    }
}
