/* elf_check.h -- what a compiled model's shared object exports, imports and runs at load.
 *
 * A model file must never run code on the machine of whoever runs it.  Code that escaped
 * into the generated C would show in the object: a constructor adds an entry to
 * .init_array (or .preinit_array, .ctors), a call to anything but the maths library adds an
 * import, and a definition adds an export.  Read with <elf.h> rather than by running nm, so
 * the test needs no binutils and cannot misparse their output. */
#ifndef MK_TEST_ELF_CHECK_H
#define MK_TEST_ELF_CHECK_H

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct mk_elf_facts {
    size_t init_array_bytes; /* .init_array + .preinit_array + .ctors */
    char exports[4096];      /* defined global dynamic symbols, each followed by ' ' */
    char imports[4096];      /* undefined dynamic symbols, each followed by ' ' */
} mk_elf_facts;

static inline void mk_elf_add(char *list, size_t size, const char *name)
{
    size_t n = strlen(list);
    snprintf(list + n, size - n, "%s ", name);
}

/* 0 and *f filled, or -1 with why in *f->exports. */
static inline int mk_elf_inspect(const char *path, mk_elf_facts *f)
{
    memset(f, 0, sizeof *f);
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(f->exports, sizeof f->exports, "cannot open %s", path);
        return -1;
    }
    fseek(fp, 0, SEEK_END);
    long len = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    unsigned char *d = len > 0 ? malloc((size_t)len) : NULL;
    int ok = d && fread(d, 1, (size_t)len, fp) == (size_t)len;
    fclose(fp);
    const Elf64_Ehdr *eh = (const void *)d;
    ok = ok && (size_t)len >= sizeof *eh && !memcmp(eh->e_ident, ELFMAG, SELFMAG) &&
         eh->e_ident[EI_CLASS] == ELFCLASS64 && eh->e_shentsize == sizeof(Elf64_Shdr) &&
         eh->e_shoff + (size_t)eh->e_shnum * sizeof(Elf64_Shdr) <= (size_t)len &&
         eh->e_shstrndx < eh->e_shnum;
    if (!ok) {
        free(d);
        snprintf(f->exports, sizeof f->exports, "%s is not a 64-bit ELF file", path);
        return -1;
    }
    const Elf64_Shdr *sh = (const void *)(d + eh->e_shoff);
    const char *shstr = (const char *)d + sh[eh->e_shstrndx].sh_offset;
    for (int i = 0; i < eh->e_shnum; i++) {
        const char *sname = shstr + sh[i].sh_name;
        if (sh[i].sh_type == SHT_INIT_ARRAY || sh[i].sh_type == SHT_PREINIT_ARRAY ||
            !strcmp(sname, ".ctors"))
            f->init_array_bytes += sh[i].sh_size;
        if (sh[i].sh_type != SHT_DYNSYM || sh[i].sh_link >= eh->e_shnum) continue;
        const Elf64_Sym *sym = (const void *)(d + sh[i].sh_offset);
        const char *str = (const char *)d + sh[sh[i].sh_link].sh_offset;
        size_t n = sh[i].sh_size / sizeof *sym;
        for (size_t k = 1; k < n; k++) { /* entry 0 is the null symbol */
            const char *name = str + sym[k].st_name;
            if (sym[k].st_shndx == SHN_UNDEF)
                mk_elf_add(f->imports, sizeof f->imports, name);
            else if (ELF64_ST_BIND(sym[k].st_info) != STB_LOCAL)
                mk_elf_add(f->exports, sizeof f->exports, name);
        }
    }
    free(d);
    return 0;
}

#endif
