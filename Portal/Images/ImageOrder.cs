using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Portal.Images;

/// <summary>
/// The order of an image list: its sort keys, then the id in the direction of the last key, so that every image has
/// one place (paging never skips or repeats one on equal keys) and an index on (owner, key, id) can be read in either
/// direction without a sort. Knows how to start right after a given image (keyset paging, Glance's marker).
/// </summary>
internal sealed class ImageOrder
{
    private static readonly Expression<Func<Image, Guid>> ById = i => i.Id;

    private readonly IReadOnlyList<(LambdaExpression Key, bool Descending)> _keys;

    private ImageOrder(IReadOnlyList<(LambdaExpression Key, bool Descending)> keys) => _keys = keys;

    /// <summary>The Images page's columns.</summary>
    public static ImageOrder Of(ImageSort sort, bool descending) => sort switch
    {
        ImageSort.Name => By(descending, i => i.Name),
        ImageSort.Size => By(descending, i => i.Size ?? -1L),
        ImageSort.Status => By(descending, i => i.Status),
        ImageSort.DiskFormat => By(descending, i => i.DiskFormat),
        // SQLite sorts NULL first and PostgreSQL last: an image without an operating system sorts as "" on both.
        ImageSort.OperatingSystem => By(descending, i => i.OsDistro ?? "", i => i.OsVersion ?? ""),
        _ => By(descending, i => i.CreatedAt),
    };

    /// <summary>The Image API's sort keys, in the order asked.</summary>
    public static ImageOrder Of(IReadOnlyList<ImageSortOrder> sort)
    {
        var keys = new List<(LambdaExpression, bool)>();
        foreach (var (key, descending) in sort)
        {
            keys.Add((key switch
            {
                ImageSortKey.Name => Key(i => i.Name),
                ImageSortKey.Status => Key(i => i.Status),
                ImageSortKey.ContainerFormat => Key(i => i.ContainerFormat),
                ImageSortKey.DiskFormat => Key(i => i.DiskFormat),
                // Images without data yet (no size) come first going up, on every database alike.
                ImageSortKey.Size => Key(i => i.Size ?? -1L),
                ImageSortKey.Id => ById,
                ImageSortKey.UpdatedAt => Key(i => i.UpdatedAt),
                ImageSortKey.Visibility => Key(i => i.Visibility),
                _ => Key(i => i.CreatedAt),
            }, descending));
        }

        if (!sort.Any(s => s.Key == ImageSortKey.Id))
        {
            keys.Add((ById, keys.Count > 0 && keys[^1].Item2));
        }

        return new ImageOrder(keys);
    }

    private static Expression<Func<Image, T>> Key<T>(Expression<Func<Image, T>> key) => key;

    private static ImageOrder By(bool descending, params Expression<Func<Image, object?>>[] keys)
    {
        // The keys come in as object-typed lambdas for brevity; the boxing conversion is taken off again here.
        var typed = keys.Select(k => (Unbox(k), descending)).ToList();
        typed.Add((ById, descending));
        return new ImageOrder(typed);
    }

    private static LambdaExpression Unbox(Expression<Func<Image, object?>> key) =>
        Expression.Lambda(key.Body is UnaryExpression { NodeType: ExpressionType.Convert } convert ? convert.Operand : key.Body, key.Parameters);

    /// <summary>The images in this order.</summary>
    public IOrderedQueryable<Image> Apply(IQueryable<Image> images)
    {
        var expression = images.Expression;
        for (var n = 0; n < _keys.Count; n++)
        {
            var (key, descending) = _keys[n];
            var method = (n == 0, descending) switch
            {
                (true, false) => nameof(Queryable.OrderBy),
                (true, true) => nameof(Queryable.OrderByDescending),
                (false, false) => nameof(Queryable.ThenBy),
                (false, true) => nameof(Queryable.ThenByDescending),
            };
            expression = Expression.Call(typeof(Queryable), method, [typeof(Image), key.ReturnType], expression, Expression.Quote(key));
        }

        return (IOrderedQueryable<Image>)images.Provider.CreateQuery<Image>(expression);
    }

    /// <summary>
    /// The images that come after <paramref name="marker"/> in this order: (k1 beyond v1) or (k1 = v1 and k2 beyond v2)
    /// or …, as Glance pages. Enums are stored under their wire names, so "beyond" for them is the set of names the
    /// database sorts after the marker's; <paramref name="model"/> knows how each is stored.
    /// </summary>
    public Expression<Func<Image, bool>> After(Image marker, IModel model)
    {
        var image = Expression.Parameter(typeof(Image), "i");
        var entity = model.FindEntityType(typeof(Image))!;
        Expression? after = null;
        Expression? equalSoFar = null;
        foreach (var (key, descending) in _keys)
        {
            var column = new ParameterSwap(key.Parameters[0], image).Visit(key.Body);
            // Read once per request: interpreting the key is cheaper than compiling it to IL.
            var value = key.Compile(preferInterpretation: true).DynamicInvoke(marker);
            var parameter = Parameter(value, key.ReturnType);
            var beyond = Beyond(column, value, parameter, descending, entity);
            var term = equalSoFar is null ? beyond : Expression.AndAlso(equalSoFar, beyond);
            after = after is null ? term : Expression.OrElse(after, term);
            var equal = Expression.Equal(column, parameter);
            equalSoFar = equalSoFar is null ? equal : Expression.AndAlso(equalSoFar, equal);
        }

        return Expression.Lambda<Func<Image, bool>>(after ?? Expression.Constant(true), image);
    }

    private static Expression Beyond(Expression column, object? value, Expression parameter, bool descending, IEntityType entity)
    {
        if (column.Type.IsEnum)
        {
            // The database compares the stored names, so the enum values beyond the marker's are picked by those names.
            var property = entity.FindProperty(((MemberExpression)column).Member.Name)!;
            var converter = property.GetValueConverter()!;
            var stored = (string)converter.ConvertToProvider(value)!;
            var beyondValues = Enum.GetValues(column.Type).Cast<object>()
                .Where(v => string.CompareOrdinal((string)converter.ConvertToProvider(v)!, stored) is var c && (descending ? c < 0 : c > 0))
                .ToArray();
            var array = Array.CreateInstance(column.Type, beyondValues.Length);
            beyondValues.CopyTo(array, 0);
            return Expression.Call(typeof(Enumerable), nameof(Enumerable.Contains), [column.Type], Expression.Constant(array), column);
        }

        if (column.Type == typeof(string))
        {
            var compare = Expression.Call(typeof(string), nameof(string.Compare), null, column, parameter);
            return descending ? Expression.LessThan(compare, Expression.Constant(0)) : Expression.GreaterThan(compare, Expression.Constant(0));
        }

        return descending ? Expression.LessThan(column, parameter) : Expression.GreaterThan(column, parameter);
    }

    /// <summary>A value the way a C# closure captures it, so that EF Core sends it as a SQL parameter and keeps one plan.</summary>
    private static Expression Parameter(object? value, Type type)
    {
        var box = Activator.CreateInstance(typeof(StrongBox<>).MakeGenericType(type), value)!;
        return Expression.Field(Expression.Constant(box), nameof(StrongBox<object>.Value));
    }
}
