namespace OrleansIngest.Silo.Admin.Security;

/// <summary>The dashboard's roles, carried as <see cref="System.Security.Claims.ClaimTypes.Role"/> claims.</summary>
public static class AdminRoles
{
    /// <summary>Reads everything.</summary>
    public const string Viewer = "viewer";

    /// <summary>Reads everything and acts: start, pause, resume, cancel, reconcile, retry.</summary>
    public const string Operator = "operator";

    /// <summary>Whether <paramref name="role"/> is one of the roles (exact, lower case).</summary>
    public static bool IsKnown(string? role) => role is Viewer or Operator;
}

/// <summary>The dashboard's authorisation policies.</summary>
public static class AdminPolicies
{
    /// <summary>Any signed-in viewer or operator: every read, and the fallback for every route without its own policy.</summary>
    public const string Viewer = "OrleansIngest.Admin.Viewer";

    /// <summary>Operators only, and not a cross-site request: every mutating API call.</summary>
    public const string Operator = "OrleansIngest.Admin.Operator";
}
