using Portal.Tests.Support;

namespace Portal.Tests.Clients;

/// <summary>The reader of glance's tables, on output printed by glanceclient 4.1.0's own print_dict and print_list.</summary>
[Trait(TestCategories.Category, TestCategories.Unit)]
public sealed class GlanceTableTests
{
    private const string Shown = """
        +---------------+----------------------------------------------------------------------------------+
        | Property      | Value                                                                            |
        +---------------+----------------------------------------------------------------------------------+
        | id            | 5b1f0a4e-4f63-4a4e-9a53-0b6c1a2f8f11                                             |
        | name          | glance-image                                                                     |
        | os_hash_value | abababababababababababababababababababababababababababababababababababababababab |
        |               | abababababababababababababababababababababababab                                 |
        | size          | 1234                                                                             |
        | tags          | ["t1"]                                                                           |
        +---------------+----------------------------------------------------------------------------------+
        """;

    private const string Listed = """
        +--------------------------------------+--------------+
        | ID                                   | Name         |
        +--------------------------------------+--------------+
        | 5b1f0a4e-4f63-4a4e-9a53-0b6c1a2f8f11 | glance-image |
        | x                                    | two words    |
        +--------------------------------------+--------------+
        """;

    [Fact]
    public void PropertiesJoinValuesThatWrapOntoFollowingRows()
    {
        var properties = GlanceTable.Properties(Shown);

        Assert.Equal(["id", "name", "os_hash_value", "size", "tags"], properties.Keys.Order());
        Assert.Equal("5b1f0a4e-4f63-4a4e-9a53-0b6c1a2f8f11", properties["id"]);
        Assert.Equal(string.Concat(Enumerable.Repeat("ab", 64)), properties["os_hash_value"]);
        Assert.Equal("1234", properties["size"]);
    }

    [Fact]
    public void RowsAreKeyedByTheHeader()
    {
        var rows = GlanceTable.Rows(Listed);

        Assert.Equal(2, rows.Count);
        Assert.Equal("glance-image", rows[0]["Name"]);
        Assert.Equal("two words", rows[1]["Name"]);
        Assert.Equal("x", rows[1]["ID"]);
    }

    [Fact]
    public void OutputWithoutATableIsAnError()
    {
        Assert.ThrowsAny<Exception>(() => GlanceTable.Rows("HTTP 401 Unauthorized"));
    }
}
