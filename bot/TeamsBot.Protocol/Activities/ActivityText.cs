using System.Text.RegularExpressions;

namespace TeamsBot.Protocol.Activities;

public static partial class ActivityText
{
    /// <summary>
    /// The message text without <c>&lt;at&gt;…&lt;/at&gt;</c> mentions of the bot (Teams adds them in channels and group chats),
    /// trimmed. Mentions of other people are kept.
    /// </summary>
    public static string GetTextWithoutBotMention(this Activity activity)
    {
        var text = activity.Text ?? string.Empty;
        var botId = activity.Recipient?.Id;
        if (activity.Entities is { Count: > 0 } entities)
        {
            foreach (var entity in entities)
            {
                if (!string.Equals(entity.Type, EntityTypes.Mention, StringComparison.OrdinalIgnoreCase)) continue;
                MentionEntity? mention;
                try { mention = entity.As<MentionEntity>(); }
                catch (System.Text.Json.JsonException) { continue; }
                if (mention?.Text is not { Length: > 0 } mentionText) continue;
                if (botId is not null && !string.Equals(mention.Mentioned?.Id, botId, StringComparison.OrdinalIgnoreCase)) continue;
                text = text.Replace(mentionText, string.Empty, StringComparison.OrdinalIgnoreCase);
            }
        }
        // Channels sometimes deliver the bot's <at> tag without a matching entity; in group scopes any remaining
        // tag that names the bot is removed too.
        if (activity.Conversation?.ConversationType is ConversationTypes.Channel or ConversationTypes.GroupChat
            && activity.Recipient?.Name is { Length: > 0 } botName)
        {
            text = text.Replace($"<at>{botName}</at>", string.Empty, StringComparison.OrdinalIgnoreCase);
        }
        return Whitespace().Replace(text, " ").Trim();
    }

    /// <summary>True in 1:1 chats with the bot.</summary>
    public static bool IsPersonal(this Activity activity) =>
        activity.Conversation?.ConversationType is null or ConversationTypes.Personal
        && activity.Conversation?.IsGroup != true;

    [GeneratedRegex(@"[ \t]+")]
    private static partial Regex Whitespace();
}
