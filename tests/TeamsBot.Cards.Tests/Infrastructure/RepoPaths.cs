namespace TeamsBot.Cards.Tests.Infrastructure;

public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Templates => Path.Combine(Root, "cards", "TeamsBot.Cards", "templates");
    public static string E2e => Path.Combine(Root, "tests", "e2e");

    /// <summary>PNG output for people to look at (gitignored).</summary>
    public static string RenderOutput => Path.Combine(Root, "artifacts", "cards");

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TeamsBot.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("TeamsBot.sln not found above " + AppContext.BaseDirectory);
    }
}
