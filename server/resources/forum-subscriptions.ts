import { forumSubscriptions } from "../../shared/resources/forum-subscriptions.ts";
import { unprocessable } from "../errors.ts";
import { serve } from "./rules.ts";

/** A subscription names exactly one thread or one category (visible to the caller: references). */
export const forumSubscriptionRules = serve(forumSubscriptions, {
  async beforeCreate(_ctx, body) {
    if ((body.thread_id == null) === (body.category_id == null)) {
      throw unprocessable("give exactly one of thread_id and category_id");
    }
    return undefined;
  },
});
