namespace TeamsBot.Storage;

public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>Sqlite (default, zero setup) or Postgres.</summary>
    public string Provider { get; set; } = "Sqlite";
}
