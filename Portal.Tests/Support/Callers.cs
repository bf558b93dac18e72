using Portal.Accounts;

namespace Portal.Tests.Support;

/// <summary>Three people in three accounts, as in the demo data.</summary>
public static class Callers
{
    public static readonly Guid AliceAccount = Guid.Parse("a11ce000-0000-4000-8000-000000000001");
    public static readonly Guid BobAccount = Guid.Parse("b0b00000-0000-4000-8000-000000000002");
    public static readonly Guid PlatformAccount = Guid.Parse("0be7a700-0000-4000-8000-000000000003");

    public static Caller Alice { get; } = new("alice-id", "alice@test.local", AliceAccount, IsOperator: false);
    public static Caller AliceColleague { get; } = new("carol-id", "carol@test.local", AliceAccount, IsOperator: false);
    public static Caller Bob { get; } = new("bob-id", "bob@test.local", BobAccount, IsOperator: false);
    public static Caller Operator { get; } = new("operator-id", "operator@test.local", PlatformAccount, IsOperator: true);
}
