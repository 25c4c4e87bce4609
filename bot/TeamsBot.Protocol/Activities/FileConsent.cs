using System.Text.Json;
using System.Text.Json.Serialization;

namespace TeamsBot.Protocol.Activities;

/// <summary>
/// Teams file consent in 1:1 chats: the bot offers a file (<see cref="FileConsentCard"/>), the user's answer arrives as
/// invoke <c>fileConsent/invoke</c> (<see cref="FileConsentCardResponse"/>); on accept the bytes are PUT to
/// <see cref="FileUploadInfo.UploadUrl"/>, then a <see cref="FileInfoCard"/> shows the file.
/// </summary>
public static class FileConsent
{
    public const string InvokeName = "fileConsent/invoke";
    public const string ConsentContentType = "application/vnd.microsoft.teams.card.file.consent";
    public const string InfoContentType = "application/vnd.microsoft.teams.card.file.info";

    /// <summary>The consent card attachment offering <paramref name="name"/> (<paramref name="sizeInBytes"/>).</summary>
    public static Attachment Card(string name, string description, long sizeInBytes, object acceptContext, object declineContext) => new()
    {
        ContentType = ConsentContentType,
        Name = name,
        Content = JsonSerializer.SerializeToElement(new FileConsentCard(description, sizeInBytes, acceptContext, declineContext), ProtocolJson.Options),
    };

    /// <summary>The file info card attachment for an uploaded file.</summary>
    public static Attachment Info(FileUploadInfo upload) => new()
    {
        ContentType = InfoContentType,
        ContentUrl = upload.ContentUrl,
        Name = upload.Name,
        Content = JsonSerializer.SerializeToElement(new FileInfoCard(upload.UniqueId, upload.FileType), ProtocolJson.Options),
    };
}

public sealed record FileConsentCard(string Description, long SizeInBytes, object AcceptContext, object DeclineContext);

public sealed record FileInfoCard(string? UniqueId, string? FileType);

/// <summary>The value of <c>fileConsent/invoke</c>: <c>action</c> is <c>accept</c> or <c>decline</c>; <c>context</c> is the card's accept/decline context.</summary>
public sealed record FileConsentCardResponse
{
    public string? Type { get; init; }
    public string? Action { get; init; }
    public JsonElement? Context { get; init; }
    public FileUploadInfo? UploadInfo { get; init; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; init; }

    public bool Accepted => string.Equals(Action, "accept", StringComparison.OrdinalIgnoreCase);
}

public sealed record FileUploadInfo
{
    public string? Name { get; init; }
    public string? UploadUrl { get; init; }
    public string? ContentUrl { get; init; }
    public string? UniqueId { get; init; }
    public string? FileType { get; init; }
}
