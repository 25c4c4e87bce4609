namespace TeamsBot.Broadcasts;

public enum DeliveryMilestone { Delivered, Read, Acknowledged }

/// <summary>One recipient's message reached a milestone (recorded once in the ledger).</summary>
public readonly record struct DeliveryFact(DeliveryMilestone Milestone, string CampaignId, string ObjectId, string TenantId, string AgencyId);

/// <summary>Told of each delivery milestone as the ledger records it (adoption insights). Must return at once and never throw.</summary>
public interface IDeliveryObserver
{
    void Observe(DeliveryFact fact);
}
