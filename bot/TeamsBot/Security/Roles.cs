namespace TeamsBot.Security;

/// <summary>
/// The two roles beyond employee. In Teams they come from the directory (per agency: Entra groups or user ids in
/// <c>coachGroupIds</c>/<c>coachUserIds</c>, <c>adminGroupIds</c>/<c>adminUserIds</c>); on API tokens, from the app roles
/// in the <c>roles</c> claim. An admin may do everything a coach may.
/// </summary>
public static class Roles
{
    public const string Coach = "Coach";
    public const string Admin = "Admin";
}

/// <summary>Authorization policies of the automation APIs (scheme <see cref="ApiAuthentication.Scheme"/>).</summary>
public static class ApiPolicies
{
    /// <summary>Any valid token for the API, whatever its roles.</summary>
    public const string Caller = "ApiCaller";

    /// <summary>App role Coach or Admin.</summary>
    public const string Coach = "Coach";

    /// <summary>App role Admin.</summary>
    public const string Admin = "Admin";
}
