#include <stdio.h>
#include <errno.h>
#include <string.h>
#include <inttypes.h>
#include "ucl.h"
static void val(const ucl_object_t *o){
  switch (o->type) {
    case UCL_INT: printf("int %" PRId64, o->value.iv); break;
    case UCL_FLOAT: printf("float %.17g", o->value.dv); break;
    case UCL_TIME: printf("time %.17g", o->value.dv); break;
    case UCL_STRING: { const unsigned char *s = (const unsigned char *)ucl_object_tostring(o); printf("string ["); for (; *s; s++) { if (*s < 32 || *s == 127) printf("\\x%02x", (unsigned char)*s); else putchar(*s);} printf("]"); break; }
    case UCL_BOOLEAN: printf("bool %d", (int)o->value.iv); break;
    case UCL_NULL: printf("null"); break;
    case UCL_OBJECT: printf("object"); break;
    case UCL_ARRAY: printf("array"); break;
    default: printf("type %d", o->type);
  }
}
static void walk(const ucl_object_t *o, int depth){
  ucl_object_iter_t it = NULL; const ucl_object_t *e;
  while ((e = ucl_iterate_object(o, &it, true)) != NULL) {
    printf("%*s<%s> ", depth*2, "", ucl_object_key(e)); val(e); printf("\n");
    if (e->type == UCL_OBJECT && depth == 0) walk(e, depth+1);
  }
}
int main(int argc, char **argv){
  for (int i = 1; i < argc; i++) {
  struct ucl_parser *p = ucl_parser_new(0);
  errno = 0;
  printf("### %s\n", argv[i]);
  if (!ucl_parser_add_file(p, argv[i])) { printf("ERR errno=%d\n", errno); continue; }
  walk(ucl_parser_get_object(p), 0);
  ucl_parser_free(p);
  }
  return 0;
}
