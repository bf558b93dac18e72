using System.Text;

namespace Portal.Identity;

/// <summary>
/// The <c>clouds.yaml</c> entry the portal offers after creating a credential: <c>openstack --os-cloud portal …</c>
/// signs in with it and nothing else.
/// </summary>
public static class CloudsYaml
{
    public const string CloudName = "portal";
    public const string FileName = "clouds.yaml";

    public static string For(string authUrl, string region, ApplicationCredential credential, string secret)
    {
        var yaml = new StringBuilder();
        yaml.Append("# The application credential \"").Append(credential.Name.Replace("\"", "'")).AppendLine("\" for Portal.");
        yaml.AppendLine("# Keep this file private: the secret signs in as you. Use it with: openstack --os-cloud portal image list");
        yaml.AppendLine("clouds:");
        yaml.Append("  ").Append(CloudName).AppendLine(":");
        yaml.AppendLine("    auth_type: v3applicationcredential");
        yaml.AppendLine("    auth:");
        yaml.Append("      auth_url: ").AppendLine(Quoted(authUrl));
        yaml.Append("      application_credential_id: ").AppendLine(Quoted(credential.PublicId));
        yaml.Append("      application_credential_secret: ").AppendLine(Quoted(secret));
        yaml.Append("    region_name: ").AppendLine(Quoted(region));
        yaml.AppendLine("    interface: public");
        yaml.AppendLine("    identity_api_version: 3");
        return yaml.ToString();
    }

    // Double-quoted YAML scalars: the values are URLs, hex ids and base64url secrets, but quote them all the same.
    private static string Quoted(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
