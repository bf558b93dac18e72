namespace Portal.Tests;

[Trait(TestCategories.Category, TestCategories.Unit)]
public sealed class TestCategoryTests
{
    [Fact]
    public void EveryTestClassCarriesExactlyOneKnownCategory()
    {
        var testClasses = typeof(TestCategoryTests).Assembly.GetTypes()
            .Where(type => type.GetMethods().Any(method => method.IsDefined(typeof(FactAttribute), inherit: true)))
            .ToList();

        var uncategorised = testClasses
            .Select(type => (type.FullName, Categories: type.GetCustomAttributesData()
                .Where(a => a.AttributeType == typeof(TraitAttribute) && (string?)a.ConstructorArguments[0].Value == TestCategories.Category)
                .Select(a => (string?)a.ConstructorArguments[1].Value)
                .ToList()))
            .Where(test => test.Categories.Count != 1 || !TestCategories.All.Contains(test.Categories[0]!))
            .Select(test => $"{test.FullName}: [{string.Join(", ", test.Categories)}]");

        Assert.Contains(typeof(TestCategoryTests), testClasses);
        Assert.Empty(uncategorised);
    }
}
