namespace Portal.Tests.Support;

/// <summary>
/// Reads the tables Debian's glance 4.1.0 prints (it has no JSON output): <c>image-show</c>-style Property/Value
/// tables, whose long values continue on rows with an empty Property, and <c>image-list</c>-style tables.
/// </summary>
public static class GlanceTable
{
    public static IReadOnlyDictionary<string, string> Properties(string output)
    {
        var properties = new Dictionary<string, string>();
        string? last = null;
        foreach (var cells in DataRows(output).Skip(1))
        {
            if (cells.Length != 2)
            {
                throw new Xunit.Sdk.XunitException("Not a Property/Value table:\n" + output);
            }

            if (cells[0].Length == 0 && last is not null)
            {
                properties[last] += cells[1];
            }
            else
            {
                last = cells[0];
                properties[last] = cells[1];
            }
        }

        return properties;
    }

    public static IReadOnlyList<IReadOnlyDictionary<string, string>> Rows(string output)
    {
        var rows = DataRows(output).ToList();
        if (rows.Count == 0)
        {
            throw new Xunit.Sdk.XunitException("No table in:\n" + output);
        }

        var header = rows[0];
        return [.. rows.Skip(1).Select(cells => (IReadOnlyDictionary<string, string>)header.Zip(cells).ToDictionary(p => p.First, p => p.Second))];
    }

    private static IEnumerable<string[]> DataRows(string output) =>
        output.Split('\n')
            .Select(line => line.TrimEnd('\r'))
            .Where(line => line.StartsWith('|'))
            .Select(line => line.Trim('|').Split('|').Select(cell => cell.Trim()).ToArray());
}
