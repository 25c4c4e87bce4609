namespace TeamsBot
{
    // The slice lives in bot/TeamsBot/Agencies, namespace TeamsBot.Agencies: a TeamsBot.Directory namespace would hide
    // System.IO.Directory from every file under namespace TeamsBot (other slices call Directory.GetCurrentDirectory()).
    // This file stops compiling if such a namespace comes back.
    internal static class NamespaceGuard
    {
        public static string CurrentDirectory() => Directory.GetCurrentDirectory();
    }
}

namespace TeamsBot.Agencies.Tests
{
    public sealed class NamespaceGuardTests
    {
        [Fact]
        public void System_IO_Directory_stays_visible_under_the_TeamsBot_namespace() =>
            Assert.Equal(System.IO.Directory.GetCurrentDirectory(), NamespaceGuard.CurrentDirectory());
    }
}
