/* SPDX-License-Identifier: MIT */
/* fuzz-workflow.c: the YAML loader, checks and planner on arbitrary input */
#include <stdint.h>

#include "plan.h"
#include "workflow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        Workflow *w = NULL;
        Plan *p = NULL;
        WorkflowLimits lim = WORKFLOW_LIMITS_DEFAULT;

        /* Keep each run cheap: the limits themselves are part of what is tested. */
        lim.yaml.max_nodes = 20000;
        lim.max_components = 2000;
        if (workflow_load_string("fuzz.yml", (const char *) data, size, &lim, &w) < 0)
                return 0;
        if (getenv("HERALD_FUZZ_VERBOSE"))
                diag_list_print(&w->diag, stderr, false);
        if (!w->unloadable &&
            plan_build(w, &(PlanOptions) { .workflow_path = "/w.yml", .activate_path = "/x/herald-activate", .exec_path = "/x/herald-exec", .done_path = "/x/herald-done" }, &p) >= 0) {
                cJSON *j = plan_to_json(p);
                char *s = j ? cJSON_PrintUnformatted(j) : NULL;
                free(s);
                cJSON_Delete(j);
                plan_free(p);
        }
        workflow_free(w);
        return 0;
}
