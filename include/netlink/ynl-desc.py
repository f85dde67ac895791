#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Write the userspace description of a YNL family as one C header.

The kernel's generator (tools/net/ynl/ynl-gen-c.py) writes the UAPI header
and the kernel policies; its userspace code needs the kernel's own ynl
library. dpoctl (libnl) and the selftests (raw netlink) decode with this
header instead: per attribute set, each attribute's name, type, length
limit and nested set; per command, its name, whether it is a notification,
and the errors its doc lists as "ERRNO: text" lines under "Errors:".

    ynl-desc.py SPEC > dpo-desc.h
"""
import re
import sys

import yaml

TYPES = {
    'unused': 'UNUSED', 'pad': 'PAD', 'flag': 'FLAG', 'u8': 'U8',
    'u16': 'U16', 'u32': 'U32', 'u64': 'U64', 'string': 'STRING',
    'binary': 'BINARY', 'nest': 'NEST',
}


def c_name(name):
    return name.replace('-', '_')


def c_upper(name):
    return c_name(name).upper()


def const_value(spec, value):
    """A check's value: a number, or the name of a const of the spec."""
    if isinstance(value, int):
        return value
    m = re.fullmatch(r'([a-z0-9-]+)( - 1)?', value)
    for d in spec.get('definitions', []):
        if d['type'] == 'const' and d['name'] == m.group(1):
            return d['value'] - (1 if m.group(2) else 0)
    raise SystemExit(f'ynl-desc: unknown const "{value}"')


def set_enum_name(aset, attr):
    return c_upper(aset['name-prefix'] + attr['name'])


def attr_sets(spec):
    return {s['name']: s for s in spec['attribute-sets']}


def emit_set(spec, aset, out):
    name = c_name(aset['name'])
    cnt = c_upper(aset['attr-cnt-name'])
    out.append(f'static const struct dpo_desc_attr dpo_desc_{name}_attrs[{cnt}] '
               '__attribute__((unused)) = {')
    for attr in aset['attributes']:
        typ = TYPES[attr['type']]
        fields = [f'.name = "{attr["name"]}"', f'.type = DPO_DESC_{typ}']
        checks = attr.get('checks', {})
        if 'max-len' in checks:
            fields.append(f'.max_len = {const_value(spec, checks["max-len"])}')
        if attr['type'] == 'nest':
            nested = c_name(attr['nested-attributes'])
            fields.append(f'.nested = dpo_desc_{nested}_attrs')
            fields.append(f'.nested_cnt = {c_upper(attr_sets(spec)[attr["nested-attributes"]]["attr-cnt-name"])}')
        out.append(f'\t[{set_enum_name(aset, attr)}] = {{ {", ".join(fields)} }},')
    out.append('};')
    out.append('')


def errors_of(op):
    """The "ERRNO: text" lines that follow "Errors:" in an op's doc."""
    errs = []
    lines = op.get('doc', '').splitlines()
    if 'Errors:' not in lines:
        return errs
    for line in lines[lines.index('Errors:') + 1:]:
        m = re.fullmatch(r'(E[A-Z0-9]+): (.+)', line.strip())
        if not m:
            break
        errs.append((m.group(1), m.group(2)))
    return errs


def main():
    spec_path = sys.argv[1]
    with open(spec_path) as f:
        spec = yaml.safe_load(f)
    sets = attr_sets(spec)
    prefix = spec['operations']['name-prefix']
    out = [
        '/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */',
        '/* Do not edit directly, auto-generated from: */',
        f'/*\t{spec_path} */',
        '/* by include/netlink/ynl-desc.py: `make regen` */',
        '',
        '#ifndef DPO_DESC_H',
        '#define DPO_DESC_H',
        '',
        '#include <errno.h>',
        '#include <linux/dpo.h>',
        '',
        'enum dpo_desc_type {',
    ]
    out += [f'\tDPO_DESC_{t},' for t in TYPES.values()]
    out += [
        '};',
        '',
        '/* One attribute of a set; sets are indexed by attribute type. */',
        'struct dpo_desc_attr {',
        '\tconst char *name;\t\t/* NULL: no such attribute */',
        '\tenum dpo_desc_type type;',
        '\tunsigned int max_len;\t\t/* strings: longest, without the NUL */',
        '\tconst struct dpo_desc_attr *nested;\t/* NEST: its set */',
        '\tunsigned int nested_cnt;\t/* NEST: highest type + 1 */',
        '};',
        '',
        '/* What a command\'s doc lists under "Errors:". */',
        'struct dpo_desc_error {',
        '\tunsigned int cmd;',
        '\tint err;',
        '\tconst char *msg;',
        '};',
        '',
    ]
    # Nested sets first: their parents point at them.
    order = []

    def visit(name):
        if name in order:
            return
        for attr in sets[name]['attributes']:
            if attr['type'] == 'nest':
                visit(attr['nested-attributes'])
        order.append(name)
    for name in sets:
        visit(name)
    for name in order:
        emit_set(spec, sets[name], out)

    out.append('/* Command names, as the spec and ynl spell them. */')
    out.append('static const char *const dpo_desc_cmd_names[] '
               '__attribute__((unused)) = {')
    for op in spec['operations']['list']:
        out.append(f'\t[{c_upper(prefix + op["name"])}] = "{op["name"]}",')
    out.append('};')
    out.append('')
    out.append('static const struct dpo_desc_error dpo_desc_errors[] '
               '__attribute__((unused)) = {')
    for op in spec['operations']['list']:
        for err, msg in errors_of(op):
            msg = msg.replace('"', '\\"')
            out.append(f'\t{{ {c_upper(prefix + op["name"])}, {err}, "{msg}" }},')
    out.append('};')
    out.append('')
    out.append('#endif /* DPO_DESC_H */')
    print('\n'.join(out))


if __name__ == '__main__':
    main()
