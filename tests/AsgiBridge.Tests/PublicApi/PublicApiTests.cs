using System.Reflection;
using System.Text;

namespace AsgiBridge.Tests.PublicApi;

/// <summary>
/// Tracks the libraries' public surface: any change to it must be made on purpose, by updating
/// PublicApi.approved.txt (AsgiBridge), PublicApi.Testing.approved.txt (AsgiBridge.Testing) or
/// PublicApi.Python.approved.txt (AsgiBridge.Python); the test writes the .received.txt file next to it to copy from.
/// </summary>
public sealed class PublicApiTests
{
    [Theory]
    [InlineData("")]
    [InlineData("Testing")]
    [InlineData("Python")]
    public void Public_api_matches_the_approved_snapshot(string library)
    {
        var assembly = library switch
        {
            "" => typeof(AsgiApp).Assembly,
            "Testing" => typeof(AsgiBridge.Testing.AsgiTestClient).Assembly,
            _ => typeof(AsgiBridge.Python.PythonAsgiApp).Assembly,
        };
        var name = library.Length == 0 ? "PublicApi" : $"PublicApi.{library}";
        var actual = Render(assembly);
        var folder = Path.Combine(FindRoot(), "tests", "AsgiBridge.Tests", "PublicApi");
        var approvedPath = Path.Combine(folder, $"{name}.approved.txt");
        var approved = File.Exists(approvedPath) ? File.ReadAllText(approvedPath) : "";
        if (approved != actual)
        {
            File.WriteAllText(Path.Combine(folder, $"{name}.received.txt"), actual);
        }

        Assert.Equal(approved, actual);
    }

    private static string Render(Assembly assembly)
    {
        var lines = new List<string>();
        foreach (var type in assembly.GetExportedTypes())
        {
            lines.Add($"type {type.FullName} : {type.BaseType?.FullName}");
            const BindingFlags flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (var member in type.GetMembers(flags))
            {
                if (member is MethodInfo { IsSpecialName: true })
                {
                    continue; // property accessors are listed with their property
                }

                lines.Add($"  {type.FullName}.{Describe(member)}");
            }
        }

        lines.Sort(StringComparer.Ordinal);
        var builder = new StringBuilder();
        foreach (var line in lines)
        {
            builder.Append(line).Append('\n');
        }

        return builder.ToString();
    }

    private static string Describe(MemberInfo member) => member switch
    {
        MethodInfo method => $"{method.Name}({string.Join(", ", method.GetParameters().Select(p => p.ParameterType.Name))}) -> {method.ReturnType.Name}",
        ConstructorInfo ctor => $".ctor({string.Join(", ", ctor.GetParameters().Select(p => p.ParameterType.Name))})",
        PropertyInfo property => $"{property.Name} : {property.PropertyType.Name} {{{(property.CanRead ? " get;" : "")}{(property.SetMethod?.IsPublic == true ? " set;" : "")} }}",
        FieldInfo field => $"{field.Name} : {field.FieldType.Name}{(field.IsLiteral ? " const" : "")}",
        _ => $"{member.MemberType} {member.Name}",
    };

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Bridge.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new DirectoryNotFoundException("Bridge.sln not found");
    }
}
