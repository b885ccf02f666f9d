using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Linnet.Proxy.Tests.Architecture;

/// <summary>Which folders (namespaces <c>Linnet.Proxy.X</c>) of the proxy use which, read from its compiled
/// assembly: every type a type's base, interfaces, fields, method signatures, locals and IL name. The root
/// namespace (the composition root: ProxyHost, Program) is left out as a user.</summary>
internal static class FolderDependencies
{
    private const string Root = "Linnet.Proxy";

    public static SortedSet<string> Read(string assemblyPath)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var reader = pe.GetMetadataReader();
        var collector = new TypeCollector(reader);
        var pairs = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var handle in reader.TypeDefinitions)
        {
            var from = FolderOf(reader, handle);
            if (from is null)
            {
                continue;
            }

            foreach (var used in Uses(reader, pe, collector, handle))
            {
                if (FolderOf(reader, used) is { } to && to != from)
                {
                    pairs.Add($"{from} -> {to}");
                }
            }
        }

        return pairs;
    }

    private static string? FolderOf(MetadataReader reader, TypeDefinitionHandle handle)
    {
        var type = reader.GetTypeDefinition(handle);
        while (type.GetDeclaringType() is { IsNil: false } outer)
        {
            type = reader.GetTypeDefinition(outer);
        }

        var ns = reader.GetString(type.Namespace);
        if (!ns.StartsWith(Root + ".", StringComparison.Ordinal))
        {
            return null;
        }

        var rest = ns[(Root.Length + 1)..];
        var dot = rest.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? rest : rest[..dot];
    }

    private static IEnumerable<TypeDefinitionHandle> Uses(MetadataReader reader, PEReader pe, TypeCollector collector, TypeDefinitionHandle handle)
    {
        var type = reader.GetTypeDefinition(handle);
        foreach (var t in TypesOf(reader, collector, type.BaseType))
        {
            yield return t;
        }

        foreach (var i in type.GetInterfaceImplementations())
        {
            foreach (var t in TypesOf(reader, collector, reader.GetInterfaceImplementation(i).Interface))
            {
                yield return t;
            }
        }

        foreach (var f in type.GetFields())
        {
            foreach (var t in reader.GetFieldDefinition(f).DecodeSignature(collector, null))
            {
                yield return t;
            }
        }

        foreach (var m in type.GetMethods())
        {
            var method = reader.GetMethodDefinition(m);
            var signature = method.DecodeSignature(collector, null);
            foreach (var t in signature.ReturnType.Concat(signature.ParameterTypes.SelectMany(p => p)))
            {
                yield return t;
            }

            if (method.RelativeVirtualAddress == 0)
            {
                continue;
            }

            var body = pe.GetMethodBody(method.RelativeVirtualAddress);
            if (!body.LocalSignature.IsNil)
            {
                foreach (var t in reader.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(collector, null).SelectMany(l => l))
                {
                    yield return t;
                }
            }

            foreach (var token in IlTokens(body.GetILReader()))
            {
                foreach (var t in TypesOf(reader, collector, MetadataTokens.EntityHandle(token)))
                {
                    yield return t;
                }
            }
        }
    }

    private static IEnumerable<TypeDefinitionHandle> TypesOf(MetadataReader reader, TypeCollector collector, EntityHandle handle)
    {
        if (handle.IsNil)
        {
            return [];
        }

        switch (handle.Kind)
        {
            case HandleKind.TypeDefinition:
                return [(TypeDefinitionHandle)handle];
            case HandleKind.TypeSpecification:
                return reader.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(collector, null);
            case HandleKind.MethodDefinition:
                return [reader.GetMethodDefinition((MethodDefinitionHandle)handle).GetDeclaringType()];
            case HandleKind.FieldDefinition:
                return [reader.GetFieldDefinition((FieldDefinitionHandle)handle).GetDeclaringType()];
            case HandleKind.MemberReference:
                var member = reader.GetMemberReference((MemberReferenceHandle)handle);
                var parent = TypesOf(reader, collector, member.Parent);
                return member.GetKind() == MemberReferenceKind.Method
                    ? parent.Concat(member.DecodeMethodSignature(collector, null) is var s ? s.ReturnType.Concat(s.ParameterTypes.SelectMany(p => p)) : [])
                    : parent.Concat(member.DecodeFieldSignature(collector, null));
            case HandleKind.MethodSpecification:
                var spec = reader.GetMethodSpecification((MethodSpecificationHandle)handle);
                return TypesOf(reader, collector, spec.Method).Concat(spec.DecodeSignature(collector, null).SelectMany(a => a));
            default:
                return [];
        }
    }

    // The metadata tokens in a method's IL (ECMA-335 §III: operand sizes by opcode).
    private static List<int> IlTokens(BlobReader il)
    {
        var tokens = new List<int>();
        while (il.RemainingBytes > 0)
        {
            int op = il.ReadByte();
            if (op == 0xFE)
            {
                op = 0xFE00 | il.ReadByte();
            }

            switch (op)
            {
                // inline token: jmp, call, callvirt, cpobj, ldobj, newobj, castclass, isinst, unbox, ld/st(s)fld(a),
                // stobj, box, newarr, ldelema, ldelem, stelem, unbox.any, refanyval, mkrefany, ldtoken; ldftn,
                // ldvirtftn, initobj, constrained., sizeof
                case 0x27 or 0x28 or 0x6F or 0x70 or 0x71 or 0x73 or 0x74 or 0x75 or 0x79 or (>= 0x7B and <= 0x81)
                    or 0x8C or 0x8D or 0x8F or 0xA3 or 0xA4 or 0xA5 or 0xC2 or 0xC6 or 0xD0
                    or 0xFE06 or 0xFE07 or 0xFE15 or 0xFE16 or 0xFE1C:
                    tokens.Add(il.ReadInt32());
                    break;

                // 4-byte operands that are not tokens: calli (signature), ldstr, ldc.i4, ldc.r4, long branches, leave
                case 0x29 or 0x72 or 0x20 or 0x22 or (>= 0x38 and <= 0x44) or 0xDD:
                    il.ReadInt32();
                    break;

                // 8 bytes: ldc.i8, ldc.r8
                case 0x21 or 0x23:
                    il.ReadInt64();
                    break;

                // 1 byte: ld/starg.s, ld(a)loc.s, stloc.s, ldc.i4.s, short branches, leave.s, unaligned., no.
                case (>= 0x0E and <= 0x13) or 0x1F or (>= 0x2B and <= 0x37) or 0xDE or 0xFE12 or 0xFE19:
                    il.ReadByte();
                    break;

                // 2 bytes: ldarg, ldarga, starg, ldloc, ldloca, stloc
                case >= 0xFE09 and <= 0xFE0E:
                    il.ReadInt16();
                    break;

                case 0x45: // switch
                    var count = il.ReadInt32();
                    for (var i = 0; i < count; i++)
                    {
                        il.ReadInt32();
                    }

                    break;
            }
        }

        return tokens;
    }
}
