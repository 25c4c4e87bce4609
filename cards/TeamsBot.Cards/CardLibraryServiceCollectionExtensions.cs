using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace TeamsBot.Cards;

public static class CardLibraryServiceCollectionExtensions
{
    /// <summary>Registers <see cref="CardLibrary"/> as a singleton (templates are parsed once and cached).</summary>
    public static IServiceCollection AddCardLibrary(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<CardLibrary>();
        return services;
    }
}
