using Microsoft.EntityFrameworkCore;
using TeamsBot.Storage;

namespace TeamsBot.Answers;

/// <summary>Satisfaction per agency over a period (the program's "share of positive experiences" figure).</summary>
public sealed record AgencySatisfaction(string? AgencyId, string? AgencyName, int Likes, int Dislikes)
{
    public double PositiveShare => Likes + Dislikes == 0 ? 0 : (double)Likes / (Likes + Dislikes);
}

/// <summary>Read side of the stored feedback, for the insights slice and reports.</summary>
public sealed class AnswerFeedbackReport(IDbContextFactory<TeamsBotDbContext> db)
{
    public async Task<IReadOnlyList<AgencySatisfaction>> ByAgencyAsync(DateTime fromUtc, DateTime toUtc, CancellationToken cancellationToken = default)
    {
        await using var ctx = await db.CreateDbContextAsync(cancellationToken);
        var rows = await ctx.Set<AnswerFeedback>().AsNoTracking()
            .Where(f => f.CreatedAtUtc >= fromUtc && f.CreatedAtUtc < toUtc)
            .GroupBy(f => new { f.AgencyId, f.AgencyName, f.Reaction })
            .Select(g => new { g.Key.AgencyId, g.Key.AgencyName, g.Key.Reaction, Count = g.Count() })
            .ToListAsync(cancellationToken);
        return rows.GroupBy(r => (r.AgencyId, r.AgencyName))
            .Select(g => new AgencySatisfaction(g.Key.AgencyId, g.Key.AgencyName,
                g.Where(r => r.Reaction == "like").Sum(r => r.Count), g.Where(r => r.Reaction == "dislike").Sum(r => r.Count)))
            .OrderBy(a => a.AgencyName, StringComparer.Ordinal)
            .ToList();
    }
}
