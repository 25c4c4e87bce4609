using TeamsBot.Protocol.Activities;

namespace TeamsBot.Conversations;

/// <summary>The welcome and help messages. Plain Markdown text that Teams renders in every scope.</summary>
public class WelcomeMessages
{
    public virtual Activity Welcome(Activity inbound) => Activity.Message(
        "**Welcome to TeamsBot**, your agency's enterprise AI assistant.\n\n" +
        "Ask me anything about your work: I answer from approved agency guidance and the enterprise model, and I cite my sources. " +
        "Your questions and my answers are never used to train the model.\n\n" +
        "Please never paste Social Security numbers, classified or CUI-marked content: I will refuse to forward it.\n\n" +
        "Type **help** to see what I can do.") with { TextFormat = "markdown" };

    public virtual Activity Help(Activity inbound) => Activity.Message(
        "**What I can do**\n\n" +
        "- Ask a question in plain words, e.g. *How do I get access to the AI assistant?*\n" +
        "- **new chat** (or **reset**): forget our conversation so far\n" +
        "- **help**: show this message\n\n" +
        "Rate any answer with thumbs up or down: it helps the program measure what works.") with { TextFormat = "markdown" };
}
