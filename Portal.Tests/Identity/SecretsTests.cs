using Portal.Identity;

namespace Portal.Tests.Identity;

[Trait(TestCategories.Category, TestCategories.Unit)]
public sealed class SecretsTests
{
    [Fact]
    public void SecretsAndTokensNeverStartWithWhatACommandLineTakesForAnOption()
    {
        // One draw in 32 would start with '-' or '_' in plain base64url: 10 000 draws would show a few hundred.
        var drawn = Enumerable.Range(0, 10_000).Select(_ => Secrets.New()).ToList();

        Assert.All(drawn, secret => Assert.True(char.IsAsciiLetterOrDigit(secret[0]), secret));
        Assert.All(drawn, secret => Assert.Equal(43, secret.Length));
        Assert.Equal(drawn.Count, drawn.Distinct().Count());
    }

    [Fact]
    public void OnlyTheSameSecretMatchesItsHash()
    {
        var secret = Secrets.New();

        Assert.True(Secrets.Matches(secret, Secrets.Hash(secret)));
        Assert.False(Secrets.Matches(secret + "x", Secrets.Hash(secret)));
        Assert.False(Secrets.Matches(Secrets.New(), Secrets.Hash(secret)));
    }
}
