using System.Security.Cryptography;
using System.Text;

namespace TeamsBot.Storage;

/// <summary>Fixed-length, one-way keys for rows that must not hold the ids they stand for (64 hex characters).</summary>
public static class StorageKeys
{
    public static string Hash(string value) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}
