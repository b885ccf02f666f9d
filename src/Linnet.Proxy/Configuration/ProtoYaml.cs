using System.Collections;
using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Linnet.Api.Validation;
using Linnet.Api.Yaml;
using YamlDotNet.RepresentationModel;

namespace Linnet.Proxy.Configuration;

/// <summary>Reads YAML into a protobuf message by the message's own descriptor, as protobuf's JSON mapping
/// reads JSON: field names in lowerCamelCase (the <c>json_name</c>) or as declared, enums by value name, numbers
/// as numbers. Syntax only: what the values mean is decided by the one conversion of the messages into the proxy's
/// model (<c>DestinationMapper</c>), whichever way they arrived. Every error names the field's path.</summary>
internal static class ProtoYaml
{
    /// <summary>Reads <paramref name="node"/> (a mapping, or null for an empty message) into a new
    /// <typeparamref name="T"/>, adding an error for each field that is unknown or not of its type.</summary>
    public static T Read<T>(YamlNode? node, string path, List<FieldError> errors)
        where T : IMessage<T>, new()
    {
        var message = new T();
        ReadInto(message, node, path, errors);
        return message;
    }

    private static void ReadInto(IMessage message, YamlNode? node, string path, List<FieldError> errors)
    {
        if (node is null || YamlMap.IsNull(node))
        {
            return;
        }

        if (node is not YamlMappingNode mapping)
        {
            errors.Add(new FieldError(path, "must be a mapping"));
            return;
        }

        var descriptor = message.Descriptor;
        foreach (var (keyNode, value) in mapping.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            var at = path.Length == 0 ? key : $"{path}.{key}";
            var field = descriptor.FindFieldByName(key) is { } byName && byName.JsonName == key ? byName : FindByJsonName(descriptor, key);
            if (field is null)
            {
                errors.Add(new FieldError(at, $"is not a field of {descriptor.Name} (fields: {string.Join(", ", descriptor.Fields.InDeclarationOrder().Select(f => f.JsonName))})"));
                continue;
            }

            if (YamlMap.IsNull(value))
            {
                continue;
            }

            if (field.IsMap)
            {
                ReadMap(message, field, value, at, errors);
            }
            else if (field.IsRepeated)
            {
                if (value is not YamlSequenceNode sequence)
                {
                    errors.Add(new FieldError(at, "must be a list"));
                    continue;
                }

                var list = (IList)field.Accessor.GetValue(message);
                for (var i = 0; i < sequence.Children.Count; i++)
                {
                    if (ReadValue(field, sequence.Children[i], $"{at}[{i}]", errors) is { } item)
                    {
                        list.Add(item);
                    }
                }
            }
            else if (ReadValue(field, value, at, errors) is { } single)
            {
                field.Accessor.SetValue(message, single);
            }
        }
    }

    private static FieldDescriptor? FindByJsonName(MessageDescriptor descriptor, string key)
    {
        foreach (var field in descriptor.Fields.InDeclarationOrder())
        {
            if (field.JsonName == key || field.Name == key)
            {
                return field;
            }
        }

        return null;
    }

    private static void ReadMap(IMessage message, FieldDescriptor field, YamlNode value, string at, List<FieldError> errors)
    {
        if (value is not YamlMappingNode entries)
        {
            errors.Add(new FieldError(at, "must be a mapping"));
            return;
        }

        var keyField = field.MessageType.FindFieldByNumber(1);
        var valueField = field.MessageType.FindFieldByNumber(2);
        var map = (IDictionary)field.Accessor.GetValue(message);
        foreach (var (k, v) in entries.Children)
        {
            var entryKey = (k as YamlScalarNode)?.Value ?? "";
            if (ReadValue(keyField, k, $"{at}.{entryKey}", errors) is { } typedKey && ReadValue(valueField, v, $"{at}.{entryKey}", errors) is { } typedValue)
            {
                map[typedKey] = typedValue;
            }
        }
    }

    private static object? ReadValue(FieldDescriptor field, YamlNode node, string at, List<FieldError> errors)
    {
        if (field.FieldType == FieldType.Message)
        {
            var nested = field.MessageType.Parser.ParseFrom(ByteString.Empty);
            ReadInto(nested, node, at, errors);
            return nested;
        }

        if (node is not YamlScalarNode { Value: { } text })
        {
            errors.Add(new FieldError(at, "must be a single value"));
            return null;
        }

        var inv = CultureInfo.InvariantCulture;
        object? parsed = field.FieldType switch
        {
            FieldType.String => text,
            FieldType.Bool => text switch { "true" => true, "false" => false, _ => null },
            FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => int.TryParse(text, NumberStyles.AllowLeadingSign, inv, out var i32) ? i32 : null,
            FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => long.TryParse(text, NumberStyles.AllowLeadingSign, inv, out var i64) ? i64 : null,
            FieldType.UInt32 or FieldType.Fixed32 => uint.TryParse(text, NumberStyles.None, inv, out var u32) ? u32 : null,
            FieldType.UInt64 or FieldType.Fixed64 => ulong.TryParse(text, NumberStyles.None, inv, out var u64) ? u64 : null,
            FieldType.Double => double.TryParse(text, NumberStyles.Float, inv, out var d) && double.IsFinite(d) ? d : null,
            FieldType.Float => float.TryParse(text, NumberStyles.Float, inv, out var f) && float.IsFinite(f) ? f : null,
            FieldType.Enum => field.EnumType.FindValueByName(text) is { } enumValue ? Enum.ToObject(field.EnumType.ClrType, enumValue.Number) : null,
            _ => null,
        };
        if (parsed is null)
        {
            errors.Add(new FieldError(at, Expected(field, text)));
        }

        return parsed;
    }

    private static string Expected(FieldDescriptor field, string text) => field.FieldType switch
    {
        FieldType.Bool => $"'{text}' is not true or false",
        FieldType.Enum => $"'{text}' is not one of: {string.Join(", ", field.EnumType.Values.Select(v => v.Name))}",
        FieldType.Double or FieldType.Float => $"'{text}' is not a number",
        FieldType.UInt32 or FieldType.Fixed32 or FieldType.UInt64 or FieldType.Fixed64 => $"'{text}' is not a whole number 0 or more",
        _ => $"'{text}' is not a whole number",
    };
}
