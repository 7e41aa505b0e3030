package io.meshwork.dist;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A container's environment as the kubelet makes it: each variable's value, or the value its {@code
 * valueFrom} names (a Secret's or ConfigMap's key, a field of the pod), in order, with {@code
 * $(NAME)} replaced by a variable defined before it. An optional reference that resolves to nothing
 * leaves its variable unset.
 */
final class PodEnvironment {
  private static final Pattern REFERENCE = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");

  private PodEnvironment() {}

  /**
   * The environment of {@code container}, with {@code sources} answering each {@code valueFrom}
   * (empty when the Secret, ConfigMap or key does not exist).
   */
  static Map<String, String> of(
      Container container, Function<EnvVarSource, Optional<String>> sources) {
    Map<String, String> env = new LinkedHashMap<>();
    for (EnvVar v : container.getEnv()) {
      if (v.getValueFrom() == null) {
        env.put(v.getName(), expand(v.getValue() == null ? "" : v.getValue(), env));
        continue;
      }
      Optional<String> value = sources.apply(v.getValueFrom());
      if (value.isPresent()) {
        env.put(v.getName(), value.get());
      } else if (!optional(v.getValueFrom())) {
        throw new AssertionError(
            container.getName() + ": nothing answers " + v.getName() + "'s " + v.getValueFrom());
      }
    }
    return env;
  }

  private static boolean optional(EnvVarSource s) {
    if (s.getSecretKeyRef() != null) {
      return Boolean.TRUE.equals(s.getSecretKeyRef().getOptional());
    }
    if (s.getConfigMapKeyRef() != null) {
      return Boolean.TRUE.equals(s.getConfigMapKeyRef().getOptional());
    }
    return false;
  }

  /** {@code $(NAME)} of a variable already defined is its value; any other is left as it is. */
  private static String expand(String value, Map<String, String> defined) {
    Matcher m = REFERENCE.matcher(value);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String known = defined.get(m.group(1));
      m.appendReplacement(out, Matcher.quoteReplacement(known == null ? m.group() : known));
    }
    m.appendTail(out);
    return out.toString();
  }
}
