using Portal.Configuration;

namespace Portal.Tests.Data;

/// <summary>Portal:Database is checked at start: a PostgreSQL provider without a usable connection string stops the portal.</summary>
[Trait(TestCategories.Category, TestCategories.Unit)]
public sealed class DatabaseOptionsValidationTests
{
    private static IReadOnlyList<string> Errors(Action<DatabaseOptions> change)
    {
        var options = new PortalOptions();
        change(options.Database);
        return new PortalOptionsValidator().Validate(options).Errors.Select(e => e.ErrorMessage).ToList();
    }

    [Fact]
    public void SqliteIsTheDefaultAndNeedsNothing()
    {
        Assert.Equal(DatabaseProvider.Sqlite, new PortalOptions().Database.Provider);
        Assert.Empty(Errors(_ => { }));
    }

    [Fact]
    public void PostgreSqlWithAConnectionStringIsAccepted() =>
        Assert.Empty(Errors(o => (o.Provider, o.ConnectionString) = (DatabaseProvider.PostgreSql, "Host=db.example.com;Database=portal;Username=portal")));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void PostgreSqlWithoutAConnectionStringIsRefusedNamingTheSetting(string? connectionString) =>
        Assert.Equal(PortalOptionsValidator.MissingPostgreSqlConnectionString,
            Assert.Single(Errors(o => (o.Provider, o.ConnectionString) = (DatabaseProvider.PostgreSql, connectionString))));

    [Theory]
    [InlineData("Database=portal;Username=portal")]
    [InlineData("this is not a connection string")]
    [InlineData("Host=db;Colour=blue")]
    public void AConnectionStringWithoutAServerOrWithUnknownKeysIsRefused(string connectionString) =>
        Assert.StartsWith("Portal:Database:ConnectionString is not a PostgreSQL connection string",
            Assert.Single(Errors(o => (o.Provider, o.ConnectionString) = (DatabaseProvider.PostgreSql, connectionString))));

    [Fact]
    public void AConnectionStringWithSqliteIsRefusedRatherThanIgnored() =>
        Assert.Contains("only used with Portal:Database:Provider=PostgreSql",
            Assert.Single(Errors(o => o.ConnectionString = "Host=db.example.com;Database=portal")));

    [Fact]
    public void AnUnknownProviderIsRefused() =>
        Assert.Equal("Portal:Database:Provider must be Sqlite or PostgreSql.", Assert.Single(Errors(o => o.Provider = (DatabaseProvider)7)));
}
