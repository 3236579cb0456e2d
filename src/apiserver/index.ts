export { createApiServer, type ApiServer, type ApiServerOptions } from './server.js';
export { writeKubeconfig, kubeconfigYaml, type KubeconfigOptions } from './kubeconfig.js';
export { ApiError, statusFor } from './status.js';
