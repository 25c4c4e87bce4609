using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using Quartz;
using TeamsBot.Storage;

namespace TeamsBot.Answers;

/// <summary>One remembered turn of a conversation (question or answer), kept at most <see cref="AnswersOptions.MemoryRetention"/>.</summary>
public sealed class MemoryTurn
{
    public long Id { get; set; }
    public required string ConversationId { get; set; }
    /// <summary>user or assistant.</summary>
    public required string Role { get; set; }
    public required string Text { get; set; }
    public int Tokens { get; set; }
    public DateTime CreatedAtUtc { get; set; }
}

internal sealed class MemoryTurnConfiguration : IEntityTypeConfiguration<MemoryTurn>
{
    public void Configure(EntityTypeBuilder<MemoryTurn> e)
    {
        e.ToTable("answer_memory");
        e.HasKey(t => t.Id);
        e.Property(t => t.ConversationId).HasMaxLength(512);
        e.Property(t => t.Role).HasMaxLength(16);
        e.HasIndex(t => new { t.ConversationId, t.Id });
        e.HasIndex(t => t.CreatedAtUtc);
    }
}

/// <summary>Per-conversation memory: the last turns that fit a token budget; cleared by "new chat"; expires after the retention.</summary>
public sealed class ConversationMemory(IDbContextFactory<TeamsBotDbContext> db, IOptions<AnswersOptions> options, TimeProvider time)
{
    private const int MaxTurnsRead = 40;

    /// <summary>Rough token estimate (≈ 4 characters per token for English); good enough for a budget.</summary>
    public static int EstimateTokens(string text) => (text.Length + 3) / 4;

    public async Task<IReadOnlyList<ChatMessage>> RecallAsync(string conversationId, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var since = time.GetUtcNow().UtcDateTime - o.MemoryRetention;
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        var turns = await context.Set<MemoryTurn>().AsNoTracking()
            .Where(t => t.ConversationId == conversationId && t.CreatedAtUtc >= since)
            .OrderByDescending(t => t.Id).Take(MaxTurnsRead).ToListAsync(cancellationToken);
        var kept = new List<MemoryTurn>();
        var budget = o.MemoryTokenBudget;
        foreach (var turn in turns)
        {
            if (turn.Tokens > budget) break;
            budget -= turn.Tokens;
            kept.Add(turn);
        }
        kept.Reverse();
        // Start with a question so the model never sees an orphan answer.
        while (kept.Count > 0 && kept[0].Role != "user") kept.RemoveAt(0);
        return kept.Select(t => new ChatMessage(t.Role == "user" ? ChatRole.User : ChatRole.Assistant, t.Text)).ToList();
    }

    public async Task RememberAsync(string conversationId, string question, string answer, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        context.Set<MemoryTurn>().AddRange(
            new MemoryTurn { ConversationId = conversationId, Role = "user", Text = question, Tokens = EstimateTokens(question), CreatedAtUtc = now },
            new MemoryTurn { ConversationId = conversationId, Role = "assistant", Text = answer, Tokens = EstimateTokens(answer), CreatedAtUtc = now });
        await context.SaveChangesAsync(cancellationToken);
    }

    public async Task<int> ForgetAsync(string conversationId, CancellationToken cancellationToken)
    {
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        return await context.Set<MemoryTurn>().Where(t => t.ConversationId == conversationId).ExecuteDeleteAsync(cancellationToken);
    }

    /// <summary>Deletes every turn older than the retention.</summary>
    public async Task<int> ExpireAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow().UtcDateTime - options.Value.MemoryRetention;
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        return await context.Set<MemoryTurn>().Where(t => t.CreatedAtUtc < cutoff).ExecuteDeleteAsync(cancellationToken);
    }
}

/// <summary>Deletes expired conversation memory: a durable job every <see cref="AnswersOptions.CleanupInterval"/>, run by one replica.</summary>
[DisallowConcurrentExecution]
internal sealed class MemoryCleanupJob(ConversationMemory memory, ILogger<MemoryCleanupJob> logger) : IJob
{
    public const string Name = "answers.memory-cleanup";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var removed = await memory.ExpireAsync(cancellationToken);
        if (removed > 0) logger.LogInformation("Conversation memory: {Count} expired turns deleted", removed);
    }
}
