// esbuild bundles the stylesheet that main.tsx imports into its own hashed file.
declare module '*.css';
